"""Settings (:mod:`cxgraph.config`): one typed value built from defaults, ``CXGRAPH_*``
variables and explicit overrides; modes are the core's enums; bad values are refused
naming the setting; ``--store`` names a directory or a remote store."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxgraph.config import Settings, store_location
from cxgraph.errors import InputError
from cxgraph.profiles import ReasoningProfile, WriteValidation
from cxgraph.store import RemoteLocation


def test_defaults_are_safe_for_loopback() -> None:
    settings = Settings()
    assert settings.host == "127.0.0.1"
    assert settings.write_token is None
    assert settings.profile is ReasoningProfile.RULES
    assert settings.write_validation is WriteValidation.OFF
    assert not settings.attach


def test_environment_then_overrides() -> None:
    env = {
        "CXGRAPH_PORT": "9001",
        "CXGRAPH_QUERY_TIMEOUT": "2.5",
        "CXGRAPH_GRAPHIQL": "off",
        "CXGRAPH_PROFILE": "owlrl",
        "CXGRAPH_WRITE_VALIDATION": "refuse",
        "CXGRAPH_DATA": "a.ttl:b.ttl",
        "CXGRAPH_STORE_PATH": "/var/lib/cx",
    }
    settings = Settings.from_env(env, port=9002)
    assert settings.port == 9002
    assert settings.query_timeout == 2.5
    assert settings.graphiql is False
    assert settings.profile is ReasoningProfile.OWLRL
    assert settings.write_validation is WriteValidation.REFUSE
    assert settings.data == (Path("a.ttl"), Path("b.ttl"))
    assert settings.store_path == Path("/var/lib/cx")


def test_modes_given_as_names_become_enums() -> None:
    settings = Settings(profile="none", write_validation="report")  # type: ignore[arg-type]
    assert settings.profile is ReasoningProfile.NONE
    assert settings.write_validation is WriteValidation.REPORT


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CXGRAPH_PORT": "eighty"}, "CXGRAPH_PORT"),
        ({"CXGRAPH_QUERY_TIMEOUT": "soon"}, "CXGRAPH_QUERY_TIMEOUT"),
        ({"CXGRAPH_PROFILE": "magic"}, "profile"),
        ({"CXGRAPH_WRITE_VALIDATION": "warn"}, "write_validation"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(env: dict[str, str], named: str) -> None:
    with pytest.raises(InputError, match=named):
        Settings.from_env(env)


def test_store_location_directory_url_and_credentials(tmp_path: Path) -> None:
    assert store_location(None, env={}) is None
    assert store_location(str(tmp_path), env={}) == tmp_path
    assert store_location(None, env={"CXGRAPH_STORE": str(tmp_path)}) == tmp_path
    remote = store_location(
        "http://127.0.0.1:7878",
        env={"CXGRAPH_STORE_TOKEN": "s3cret", "CXGRAPH_STORE_TIMEOUT": "12"},
    )
    assert isinstance(remote, RemoteLocation)
    assert remote.timeout == 12.0
    assert remote.credentials.header() == "Bearer s3cret"
    auth = tmp_path / "auth"
    auth.write_text("user=cx\npassword=pw\n")
    from_file = store_location("http://127.0.0.1:7878", auth, env={})
    assert isinstance(from_file, RemoteLocation)
    assert (from_file.credentials.header() or "").startswith("Basic ")
    with pytest.raises(InputError, match="CXGRAPH_STORE_TIMEOUT"):
        store_location("http://127.0.0.1:7878", env={"CXGRAPH_STORE_TIMEOUT": "x"})


def test_a_remote_store_in_the_environment_settings() -> None:
    settings = Settings.from_env({"CXGRAPH_STORE_PATH": "http://127.0.0.1:7878/"})
    assert isinstance(settings.store_path, RemoteLocation)


def test_the_store_comes_from_cxgraph_store_with_credentials_from_the_same_env() -> None:
    env = {"CXGRAPH_STORE": "http://127.0.0.1:7878", "CXGRAPH_STORE_TOKEN": "t0k"}
    settings = Settings.from_env(env)
    assert isinstance(settings.store_path, RemoteLocation)
    assert settings.store_path.credentials.header() == "Bearer t0k"


def test_a_store_given_as_text_is_a_location(tmp_path: Path) -> None:
    remote = Settings(store_path="http://127.0.0.1:7878")  # type: ignore[arg-type]
    assert isinstance(remote.store_path, RemoteLocation)
    assert Settings(store_path=str(tmp_path)).store_path == tmp_path  # type: ignore[arg-type]


def test_attach_needs_a_remote_store_and_no_data(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="remote store"):
        Settings(attach=True, store_path=tmp_path)
    with pytest.raises(InputError, match="loads nothing"):
        Settings(attach=True, store_path="http://127.0.0.1:7878", data=(tmp_path,))  # type: ignore[arg-type]
    assert Settings(attach=True, store_path="http://127.0.0.1:7878").attach  # type: ignore[arg-type]
