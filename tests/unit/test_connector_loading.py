"""spec.yml loading: typed objects for good connectors, CONNECTOR_INVALID naming file and problem."""

import pytest

from executor.connector import load_connector_files
from executor.connector.loader import kebab_case
from executor.errors import ConnectorInvalid

SPEC = """
key: demo
auth:
  type: client-credentials
  test:
    implementationType: javascript
  makeApiClient:
    implementationType: mapping
"""
TEST_JS = "exports.test = async () => true"
CLIENT = "baseUrl: https://api.example.test\n"


def files() -> dict[str, str]:
    return {"spec.yml": SPEC, "auth/test.js": TEST_JS, "auth/make-api-client.map.yml": CLIENT}


@pytest.mark.parametrize(("name", "kebab"), [
    ("getCredentialsFromConnectionParameters", "get-credentials-from-connection-parameters"),
    ("getOAuthConfig", "get-oauth-config"),
    ("makeApiClient", "make-api-client"),
    ("getCredentialsFromAccessTokenResponse", "get-credentials-from-access-token-response"),
])
def test_method_file_names_are_kebab_case(name, kebab):
    assert kebab_case(name) == kebab


def test_a_valid_connector_becomes_typed_objects():
    connector = load_connector_files(files())
    assert connector.key == "demo"
    assert connector.auth.type == "client-credentials"
    assert connector.auth.method("test").kind == "javascript"
    assert connector.auth.method("test").source == "auth/test.js"
    assert connector.auth.method("makeApiClient").kind == "mapping"
    assert connector.auth.method("refreshCredentials") is None


def test_identical_content_is_parsed_once():
    assert load_connector_files(files()) is load_connector_files(dict(files()))


@pytest.mark.parametrize(("change", "message"), [
    ({"spec.yml": "auth: [unclosed"}, "spec.yml:1:"),
    ({"spec.yml": "key: x\n"}, "spec.yml: auth: missing"),
    ({"spec.yml": SPEC.replace("client-credentials", "magic")}, "auth.type: unknown auth type 'magic'"),
    ({"spec.yml": SPEC.replace("mapping", "python")}, "auth.makeApiClient.implementationType"),
    ({"auth/test.js": "exports.test = async () => {"}, "auth/test.js:1:"),
    ({"auth/test.js": "import fs from 'fs'\nexport default () => 1"}, "auth/test.js:1: cannot import module 'fs'"),
    ({"auth/make-api-client.map.yml": "a: {$vr: 1}"}, "auth/make-api-client.map.yml: a.$vr: unknown formula $vr (did you mean $var?)"),
    ({"auth/make-api-client.map.yml": "a: [b"}, "auth/make-api-client.map.yml:1:"),
])
def test_broken_connectors_name_the_file_and_problem(change, message):
    broken = {**files(), **change}
    with pytest.raises(ConnectorInvalid) as info:
        load_connector_files(broken)
    assert info.value.code == "CONNECTOR_INVALID"
    assert message in info.value.message


def test_a_declared_method_without_its_file_is_invalid():
    without = {k: v for k, v in files().items() if k != "auth/test.js"}
    with pytest.raises(ConnectorInvalid, match="auth/test.js: missing"):
        load_connector_files(without)


def test_inline_code_and_mapping_forms():
    spec = """
auth:
  type: client-credentials
  test:
    code: "export default () => true"
  makeApiClient:
    mapping:
      baseUri: https://api.example.test
"""
    connector = load_connector_files({"spec.yml": spec}, default_key="inline-one")
    assert connector.key == "inline-one"
    assert connector.auth.method("test").kind == "javascript"
    assert connector.auth.method("makeApiClient").mapping.evaluate({}) == {"baseUri": "https://api.example.test"}


def test_options_inherit_make_api_client_and_test_from_the_top_level():
    spec = SPEC + """
  options:
    key:
      type: client-credentials
      getCredentialsFromConnectionParameters:
        implementationType: javascript
    oauth:
      type: oauth2
      test:
        implementationType: javascript
"""
    connector = load_connector_files({
        **files(), "spec.yml": spec,
        "auth/key/get-credentials-from-connection-parameters.js": "export default () => ({a: 1})",
        "auth/oauth/test.js": "export default () => 'own test'",
    })
    key = connector.auth_for("key")
    assert key.method("makeApiClient") is connector.auth.method("makeApiClient")
    assert key.method("getCredentialsFromConnectionParameters").source == (
        "auth/key/get-credentials-from-connection-parameters.js")
    assert connector.auth_for("oauth").method("test").source == "auth/oauth/test.js"
    assert connector.auth_for("oauth").type == "oauth2"
