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


# --- the newer slot form, rest-api-mapping, not-supported, unknown keys, sensitive paths ----------

REST_SPEC = """
auth:
  type: client-credentials
  test:
    type: rest-api-mapping
"""
REST = "path: /me\nmethod: GET\nresponseMapping: {$eval: {$var: response.statusCode}, is: 200}\n"


def test_newer_slot_forms_load():
    spec = """
auth:
  type: client-credentials
  makeApiClient: {type: mapping, mapping: {baseUri: "https://x.test"}}
  test: {type: rest-api-mapping, mapping: {path: /me, method: get}}
  refreshCredentials: {type: not-supported, reason: keys never expire}
  getCredentialsFromConnectionParameters: {type: javascript, code: "export default () => ({})"}
"""
    auth = load_connector_files({"spec.yml": spec}).auth
    assert auth.method("makeApiClient").kind == "mapping"
    assert auth.method("test").kind == "rest-api-mapping"
    assert auth.method("refreshCredentials").reason == "keys never expire"
    assert auth.method("getCredentialsFromConnectionParameters").kind == "javascript"


@pytest.mark.parametrize("name", ["auth/test.rest.yml", "auth/test.api.yml"])
def test_rest_api_mapping_files(name):
    test = load_connector_files({"spec.yml": REST_SPEC, name: REST}).auth.method("test")
    assert test.source == name and test.rest is not None


@pytest.mark.parametrize(("spec", "files", "message"), [
    (REST_SPEC, {}, "auth/test.rest.yml: missing (declared by spec.yml auth.test)"),
    (REST_SPEC, {"auth/test.rest.yml": "[1]"}, "auth/test.rest.yml: (root): a rest-api-mapping must be a mapping"),
    (REST_SPEC, {"auth/test.rest.yml": "method: GET\n"}, "auth/test.rest.yml: path: missing"),
    (REST_SPEC, {"auth/test.rest.yml": "path: /x\n"}, "auth/test.rest.yml: method: missing"),
    (REST_SPEC, {"auth/test.rest.yml": "path: /x\nmethod: FETCH\n"}, "auth/test.rest.yml: method: unknown HTTP method"),
    (REST_SPEC, {"auth/test.rest.yml": "path: /x\nmethod: GET\nresponseMaping: 1\n"},
     "auth/test.rest.yml: responseMaping: unknown key (did you mean responseMapping?)"),
    (REST_SPEC, {"auth/test.rest.yml": "path: /x\nmethod: GET\nrequestMapping: [1]\n"},
     "auth/test.rest.yml: requestMapping: must be a mapping"),
    (REST_SPEC, {"auth/test.rest.yml": "path: /x\nmethod: GET\nrequestMapping: {header: {}}\n"},
     "auth/test.rest.yml: requestMapping.header: unknown key (did you mean headers?)"),
    (REST_SPEC, {"auth/test.rest.yml": "path: {$vr: x}\nmethod: GET\n"}, "auth/test.rest.yml path: $vr: unknown formula"),
    (REST_SPEC, {"auth/test.rest.yml": "path: /x\nmethod: GET\nresponseMapping: {$eval: 1}\n"},
     "auth/test.rest.yml responseMapping: (root): $eval needs an operator"),
    ("auth:\n  type: client-credentials\n  makeApiClient: {type: rest-api-mapping, mapping: {path: /, method: GET}}\n",
     {}, "spec.yml: auth.makeApiClient.type: rest-api-mapping is supported for test only"),
    ("auth:\n  type: client-credentials\n  test: {type: rest-api-maping}\n", {},
     "spec.yml: auth.test.type: expected one of javascript, mapping, rest-api-mapping, not-supported, got "
     "'rest-api-maping' (did you mean rest-api-mapping?)"),
    ("auth:\n  type: client-credentials\n  test: {type: mapping, implementationType: javascript}\n", {},
     "spec.yml: auth.test.type: type and implementationType disagree"),
    ("auth:\n  type: client-credentials\n  test: {type: not-supported, reason: 5}\n", {},
     "spec.yml: auth.test.reason: must be a string"),
    ("auth:\n  type: client-credentials\n  test: {type: not-supported, code: 'x'}\n", {},
     "spec.yml: auth.test.code: inline code needs type javascript, not not-supported"),
    ("auth:\n  type: client-credentials\n  test: {type: javascript, mapping: {a: 1}}\n", {},
     "spec.yml: auth.test.mapping: an inline mapping needs type mapping or rest-api-mapping, not javascript"),
    ("auth:\n  type: client-credentials\n  test: {type: javascript, code: 5}\n", {}, "spec.yml: auth.test.code: must be a string"),
    ("auth:\n  type: client-credentials\n  test: {}\n", {}, "spec.yml: auth.test.implementationType: expected one of"),
    ("auth:\n  type: client-credentials\n  test: [1]\n", {}, "spec.yml: auth.test: must be a mapping"),
    ("auth:\n  type: client-credentials\n  refreshCredential: {type: javascript}\n", {},
     "spec.yml: auth.refreshCredential: unknown method (did you mean refreshCredentials?)"),
    ("auth:\n  type: client-credentials\n  options:\n    o:\n      tests: {type: javascript}\n", {},
     "spec.yml: auth.options.o.tests: unknown method (did you mean test?)"),
    ("auth:\n  type: client-credentials\n  enabled: true\n", {}, "spec.yml: auth.enabled: only an auth option"),
    ("auth:\n  type: client-credentials\n  options:\n    o: {enabled: {$eval: 1}}\n", {},
     "spec.yml (auth.options.o.enabled): (root): $eval needs an operator"),
    ("auth:\n  type: client-credentials\n  credentialsSchema: {type: 5}\n", {},
     "spec.yml: auth.credentialsSchema"),
])
def test_every_malformed_new_form_is_connector_invalid_naming_file_and_field(spec, files, message):
    with pytest.raises(ConnectorInvalid) as info:
        load_connector_files({"spec.yml": spec, **files})
    assert info.value.code == "CONNECTOR_INVALID"
    assert message in info.value.message


def test_unknown_keys_are_warnings_with_did_you_mean():
    spec = "nmae: x\nlogoUri: y\nauth:\n  type: client-credentials\n  titel: T\n  someVendorField: 1\n" \
           "  test: {type: javascript, code: 'export default () => 1', descripton: d}\n"
    warnings = load_connector_files({"spec.yml": spec}).warnings
    assert "spec.yml: nmae: unknown key, ignored (did you mean name?)" in warnings
    assert "spec.yml: auth.titel: unknown key, ignored (did you mean title?)" in warnings
    assert "spec.yml: auth.someVendorField: unknown key, ignored" in warnings
    assert "spec.yml: auth.test.descripton: unknown key, ignored (did you mean description?)" in warnings
    assert not any("logoUri" in w for w in warnings)


def test_schema_hints_give_sensitive_paths():
    spec = """
parametersSchema:
  properties: {clientSecret: {type: string, isSensitive: true}, region: {type: string}}
auth:
  type: client-credentials
  ui:
    schema:
      properties:
        password: {type: string, format: password}
        keys: {type: array, items: {type: string, writeOnly: true}}
        user: {type: string}
  customCredentialsSchema:
    properties: {token: {type: string, isSensitive: true}}
  credentialsSchema:
    properties: {nested: {properties: {pin: {type: string, writeOnly: true}}}}
  options:
    extra:
      ui: {schema: {properties: {otp: {type: string, format: password}}}}
"""
    connector = load_connector_files({"spec.yml": spec})
    top = {("connectorParameters", "clientSecret"), ("connectionParameters", "password"),
           ("connectionParameters", "keys", "*"), ("credentials", "token"), ("credentials", "nested", "pin")}
    assert connector.auth.sensitive_paths == top
    assert connector.auth_for("extra").sensitive_paths == top | {("connectionParameters", "otp")}


def test_option_enabled_is_a_formula_over_connector_parameters():
    spec = "auth:\n  type: client-credentials\n  options:\n    a: {}\n" \
           "    b: {enabled: {$eval: {$var: connectorParameters.plan}, oneOf: [pro, team]}}\n"
    connector = load_connector_files({"spec.yml": spec})
    assert connector.enabled_options({"plan": "free"}) == ["a"]
    assert connector.enabled_options({"plan": "pro"}) == ["a", "b"]
    with pytest.raises(Exception, match="not enabled"):
        connector.auth_for("b", {"plan": "free"})
