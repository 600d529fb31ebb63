"""A write the tests of writes share: on the salon sample, the wait board process comes to
deliver an offering fulfilling the need "know how long I will wait", which closes that
need's ``unmet-need`` finding (and the fix lives in its own data graph)."""

SALON = "https://example.org/salon#"
FIXES_GRAPH = "urn:cxgraph:graph:data:fixes"
FIX_UNMET_NEED = f"""PREFIX salon: <{SALON}>
INSERT DATA {{ GRAPH <{FIXES_GRAPH}> {{
  salon:WaitBoardProcess cx:delivers salon:WaitBoard .
  salon:WaitBoard cx:fulfils salon:NeedKnowWait .
}} }}"""
UNMET = ("unmet-need", SALON + "NeedKnowWait")
"""The finding the fix closes, as (rule, focus)."""
