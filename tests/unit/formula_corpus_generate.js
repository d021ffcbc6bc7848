// Builds tests/unit/formula_corpus.json: mapping formulas evaluated by the vendor's own engine.
//
// The reference is `buildData(mapping, variables)` of the public npm package @membranehq/sdk (its
// `$jsonata` yields a promise there, so `$jsonata` cases use the asynchronous
// `resolveFormulas(mapping, {variables})`). Regenerate, outside the repository:
//
//   mkdir -p /tmp/sdk && cd /tmp/sdk && npm init -y && npm install @membranehq/sdk@0.28.3
//   NODE_PATH=/tmp/sdk/node_modules node tests/unit/formula_corpus_generate.js
//
// Each case is {id, mapping, variables?}; the file stores the SDK's answer as {value} or
// {undefined: true} or {error}. tests/unit/test_formula_corpus.py checks our engine against it.
'use strict';
const fs = require('fs');
const path = require('path');
const sdk = require('@membranehq/sdk');
const version = JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@membranehq/sdk')), '..', 'package.json'), 'utf8')).version;

const V = {
  credentials: {
    apiKey: 'k-123', token: 'tok$&en$1', empty: '', zero: 0, no: false, yes: true, nul: null,
    list: ['a', 'b'], nested: { x: { y: 1 } }, num: 42, str42: '42', float: 1.5, neg: -3,
    email: 'john.doe@example.com', name: 'John Smith', date: '2024-03-05T10:20:30Z', obj: { a: 1 },
    emptyObj: {}, emptyList: [], mixed: 'Hello World',
  },
  connectorParameters: { baseUrl: 'https://api.example.com', region: 'eu', scopes: ['read', 'write'] },
  items: ['first', 0, '', null, 'x', { id: 1 }, false],
  'odd.key': 5,
  'br[0]': 'bracket',
  arr: [[1, 2], [3]],
  objs: [{ id: 1, name: 'a' }, { id: 2 }],
};

const cases = [];
const add = (id, mapping, variables) => cases.push(variables === undefined ? { id, mapping } : { id, mapping, variables });

// --- $var locators ------------------------------------------------------------------------------
const locators = [
  'credentials.apiKey', '$.credentials.apiKey', '$', '', 'credentials', 'missing', 'missing.x',
  'items[0]', 'items[1]', 'items[2]', 'items[3]', 'items[4]', 'items[5].id', 'items[6]', 'items[ 4]',
  'items[04]', 'items.04', 'items.0', 'items.4', 'items.length', 'items[-1]', 'items[1.5]', 'items[]',
  'items[0x4]', 'items[4e0]', 'items[99]', 'items[4', 'odd\\.key', '$.odd\\.key', 'odd.key',
  'br\\[0\\]', 'credentials..apiKey', 'credentials.apiKey.length', 'credentials.nested.x.y',
  'credentials.nested.x', 'arr[0][1]', 'arr[1][0]', 'arr.1.0', 'objs[1].name', 'objs[1].id',
  'credentials[apiKey]', "credentials['apiKey']", 'a b', 'credentials.list[1]', 'credentials.nul.x',
  'credentials.nul', 'credentials.zero', 'credentials.no', 'credentials.empty', '$credentials',
  '$.', 'credentials.', '.credentials', 'credentials.emptyObj', 'credentials.emptyList',
  'connectorParameters.scopes[1]', 'items[1].x', 'credentials.apiKey[0]',
];
locators.forEach((loc, i) => add(`var/${i}:${loc}`, { $var: loc }, V));
add('var/non-string-number', { $var: 1 }, V);
add('var/non-string-null', { $var: null }, V);
add('var/in-object', { key: { $var: 'credentials.apiKey' }, gone: { $var: 'missing' } }, V);

// --- plain structure: undefined dropping, empty objects and lists -------------------------------
add('struct/all-undefined-object', { query: { api_key: { $var: 'missing' } } }, V);
add('struct/top-undefined', { $var: 'missing' }, V);
add('struct/literal-empty-object', { a: {} }, V);
add('struct/literal-empty-list', { a: [] }, V);
add('struct/top-empty-object', {}, V);
add('struct/top-empty-list', [], V);
add('struct/list-undefined-dropped', { scopes: [{ $var: 'missing' }, 'read'] }, V);
add('struct/list-all-undefined', { scopes: [{ $var: 'missing' }] }, V);
add('struct/nested-empty-after-drop', { a: { b: { c: { $var: 'missing' } } }, d: 1 }, V);
add('struct/null-literal', { a: null, b: [null] }, V);
add('struct/null-top', null, V);
add('struct/scalars', { s: 'x', n: 1.5, t: true, f: false, z: 0, e: '' }, V);
add('struct/list-of-lists', [[1, { $var: 'missing' }], [{ $var: 'missing' }], []], V);
add('struct/var-null-kept', { a: { $var: 'credentials.nul' } }, V);
add('struct/var-object', { a: { $var: 'credentials.obj' } }, V);
add('struct/unknown-dollar-key', { $foo: 1 }, V);
add('struct/unknown-dollar-key-formula-inside', { $foo: { $var: 'credentials.apiKey' } }, V);
add('struct/dollar-key-not-first', { a: 1, $var: 'credentials.apiKey' }, V);
add('struct/string-with-dollar', { a: '$var', b: '${credentials.apiKey}' }, V);
add('struct/number-top', 42, V);
add('struct/string-top', 'hello', V);

// --- $tpl -----------------------------------------------------------------------------------
const tplValues = {
  str: 'abc', num: 42, float: 1.5, zero: 0, no: false, nul: null, undef: { $var: 'missing' },
  list: ['a', 'b'], obj: { a: 1 }, nestedList: [[1, 2], 3], empty: '',
};
for (const [name, value] of Object.entries(tplValues)) {
  add(`tpl/value-${name}`, { $tpl: { template: 'Bearer {v}!', values: { v: value } } }, V);
}
add('tpl/var', { $tpl: { template: 'Key {k}', values: { k: { $var: 'credentials.apiKey' } } } }, V);
add('tpl/dollar-in-value', { $tpl: { template: 'T {t}', values: { t: { $var: 'credentials.token' } } } }, V);
add('tpl/dollar-dollar', { $tpl: { template: '{t}', values: { t: 'a$$b' } } }, V);
add('tpl/dollar-backtick', { $tpl: { template: 'x{t}y', values: { t: "$`$'" } } }, V);
add('tpl/repeated', { $tpl: { template: '{a}-{a}-{b}', values: { a: 1, b: 2 } } }, V);
add('tpl/missing-placeholder', { $tpl: { template: '{a}-{c}', values: { a: 1 } } }, V);
add('tpl/no-values', { $tpl: { template: 'plain {x}' } }, V);
add('tpl/empty-template', { $tpl: { template: '', values: { a: 1 } } }, V);
add('tpl/placeholder-in-value', { $tpl: { template: '{a}{b}', values: { a: '{b}', b: 'B' } } }, V);
add('tpl/unused-value', { $tpl: { template: 'x', values: { a: { $var: 'missing' } } } }, V);
add('tpl/braces-spaces', { $tpl: { template: '{ a }{a}', values: { a: 'A' } } }, V);
add('tpl/nested-formula', { $tpl: { template: '{a}', values: { a: { $concat: ['x', 'y'] } } } }, V);

// --- $concat ---------------------------------------------------------------------------------
const concatLists = {
  strings: ['a', 'b', 'c'],
  'with-empty': ['a', '', 'b'],
  'with-null': ['a', null, 'b'],
  'with-undefined': ['a', { $var: 'missing' }, 'b'],
  numbers: [1, 0, 2.5, -1],
  booleans: [true, false],
  'nested-list': ['a', ['b', 'c']],
  object: ['a', { x: 1 }],
  'all-undefined': [{ $var: 'missing' }],
  'all-empty': ['', null],
  empty: [],
  single: ['only'],
  vars: [{ $var: 'credentials.apiKey' }, { $var: 'credentials.num' }],
  'empty-object-item': ['a', {}],
  'empty-list-item': ['a', []],
};
for (const [name, list] of Object.entries(concatLists)) {
  add(`concat/list-${name}`, { $concat: list }, V);
  add(`concat/delim-${name}`, { $concat: { values: list, delimiter: ', ' } }, V);
}
add('concat/values-var', { $concat: { values: { $var: 'connectorParameters.scopes' }, delimiter: ' ' } }, V);
add('concat/values-not-list', { $concat: { values: 'abc' } }, V);
add('concat/delimiter-var', { $concat: { values: ['a', 'b'], delimiter: { $var: 'connectorParameters.region' } } }, V);
add('concat/delimiter-undefined', { $concat: { values: ['a', 'b'], delimiter: { $var: 'missing' } } }, V);
add('concat/delimiter-number', { $concat: { values: ['a', 'b'], delimiter: 0 } }, V);
add('concat/delimiter-null', { $concat: { values: ['a', 'b'], delimiter: null } }, V);
add('concat/no-values', { $concat: { delimiter: '-' } }, V);
add('concat/null', { $concat: null }, V);

// --- $firstNotEmpty --------------------------------------------------------------------------
const fne = {
  'undefined-then-value': [{ $var: 'missing' }, 'b'],
  'null-then-value': [null, 'b'],
  'empty-string': ['', 'b'],
  zero: [0, 'b'],
  false: [false, 'b'],
  'all-missing': [{ $var: 'missing' }, null],
  empty: [],
  'empty-object': [{}, 'b'],
  vars: [{ $var: 'credentials.nul' }, { $var: 'credentials.apiKey' }],
  nested: [{ $firstNotEmpty: [null] }, 'c'],
};
for (const [name, list] of Object.entries(fne)) add(`firstNotEmpty/${name}`, { $firstNotEmpty: list }, V);
add('firstNotEmpty/not-list', { $firstNotEmpty: 'a' }, V);
add('firstNotEmpty/var-list', { $firstNotEmpty: { $var: 'items' } }, V);

// --- $case -----------------------------------------------------------------------------------
const isEu = { $eval: { $var: 'connectorParameters.region' }, is: 'eu' };
const isUs = { $eval: { $var: 'connectorParameters.region' }, is: 'us' };
add('case/first-match', { $case: { cases: [{ filter: isUs, value: 'US' }, { filter: isEu, value: 'EU' }], default: 'D' } }, V);
add('case/default', { $case: { cases: [{ filter: isUs, value: 'US' }], default: 'D' } }, V);
add('case/no-default', { $case: { cases: [{ filter: isUs, value: 'US' }] } }, V);
add('case/default-null', { $case: { cases: [{ filter: isUs, value: 'US' }], default: null } }, V);
add('case/bare-list', { $case: [{ filter: isUs, value: 'US' }, { filter: isEu, value: 'EU' }] }, V);
add('case/no-filter-else', { $case: { cases: [{ filter: isUs, value: 'US' }, { value: 'ELSE' }] } }, V);
add('case/filter-undefined', { $case: { cases: [{ filter: { $var: 'missing' }, value: 'M' }], default: 'D' } }, V);
add('case/filter-null', { $case: { cases: [{ filter: { $var: 'credentials.nul' }, value: 'M' }], default: 'D' } }, V);
add('case/filter-false-literal', { $case: { cases: [{ filter: false, value: 'M' }], default: 'D' } }, V);
add('case/filter-zero-var', { $case: { cases: [{ filter: { $var: 'credentials.zero' }, value: 'M' }], default: 'D' } }, V);
add('case/filter-empty-var', { $case: { cases: [{ filter: { $var: 'credentials.empty' }, value: 'M' }], default: 'D' } }, V);
add('case/filter-string', { $case: { cases: [{ filter: 'yes', value: 'M' }], default: 'D' } }, V);
add('case/filter-object', { $case: { cases: [{ filter: { a: { $var: 'missing' } }, value: 'M' }], default: 'D' } }, V);
add('case/filter-var-false', { $case: { cases: [{ filter: { $var: 'credentials.no' }, value: 'M' }], default: 'D' } }, V);
add('case/value-undefined', { $case: { cases: [{ filter: isEu, value: { $var: 'missing' } }], default: 'D' } }, V);
add('case/value-formula', { $case: { cases: [{ filter: isEu, value: { $concat: ['a', 'b'] } }] } }, V);
add('case/old-filter-list-match', { $case: { cases: [{ filter: [{ field: 'connectorParameters.region', operator: 'is', value: 'eu' }], value: 'M' }], default: 'D' } }, V);
add('case/old-filter-list-miss', { $case: { cases: [{ filter: [{ field: 'connectorParameters.region', operator: 'is', value: 'us' }], value: 'M' }], default: 'D' } }, V);
add('case/invalid-string', { $case: 'x' }, V);
add('case/invalid-null', { $case: null }, V);
add('case/cases-not-list', { $case: { cases: 'x', default: 'D' } }, V);
add('case/non-object-case', { $case: { cases: ['x', { filter: isEu, value: 'EU' }] } }, V);
add('case/and-filter', { $case: { cases: [{ filter: { $and: [isEu, { $var: 'credentials.yes' }] }, value: 'BOTH' }], default: 'D' } }, V);

// --- $map ------------------------------------------------------------------------------------
const mapTable = [
  { from: 'eu', to: 'https://eu.example.com' }, { from: 1, to: 'one' }, { from: true, to: 'T' },
  { from: null, to: 'NULL' }, { from: ['a', 'b'], to: 'AB' }, { from: { a: 1 }, to: 'OBJ' },
];
const mapValues = {
  eu: 'eu', EU: 'EU', one: 1, 'one-string': '1', true: true, 'true-string': 'true', null: null,
  undefined: { $var: 'missing' }, list: ['a', 'b'], 'list-string': 'a,b', obj: { a: 1 }, 'obj-string': '[object Object]',
  zero: 0, 'one-float': 1.0, 'one-list': [1],
};
for (const [name, value] of Object.entries(mapValues)) {
  add(`map/${name}`, { $map: { value, mapping: mapTable, default: 'DEFAULT' } }, V);
}
add('map/no-default', { $map: { value: 'zz', mapping: mapTable } }, V);
add('map/mappings-spelling', { $map: { value: 'eu', mappings: mapTable, default: 'DEFAULT' } }, V);
add('map/not-object', { $map: 'x' }, V);
add('map/to-formula', { $map: { value: { $var: 'connectorParameters.region' }, mapping: [{ from: 'eu', to: { $var: 'connectorParameters.baseUrl' } }] } }, V);
add('map/to-undefined', { $map: { value: 'eu', mapping: [{ from: 'eu', to: { $var: 'missing' } }], default: 'D' } }, V);

// --- $eval -----------------------------------------------------------------------------------
const evalValues = {
  str: 'abc', strUpper: 'ABC', num: 42, str42: '42', str42x: '42px', float: 1.5, zero: 0, no: false,
  yes: true, nul: null, undef: { $var: 'missing' }, empty: '', list: ['a', 'b'], emptyList: [],
  obj: { a: 1 }, emptyObj: {}, numList: [5], strSpace: ' 7 ',
};
const operands = {
  is: ['abc', 42, '42', 1.5, 0, '', false, null, true, ['a', 'b'], { a: 1 }, '0', 'ABC'],
  isNot: ['abc', 42, '42', null, 0],
  contains: ['b', 'B', 'a', 'z', 4, '', null],
  oneOf: [['abc', 'x'], [42], ['42'], [null], 'abc', [0, false]],
  noneOf: [['abc'], [42], 'abc'],
  doesNotContain: ['b', 'z'],
  gt: [41, '41', 42, 'abc', null, 1, 0, '7'],
  gte: [42, '42'],
  lt: [43, '43', 42, 2],
  lte: [42, 1.5],
  isEmpty: [true, false],
  isNotEmpty: [true, false],
  startsWith: ['a'],
  unknownOp: [1],
};
for (const [vName, value] of Object.entries(evalValues)) {
  for (const [op, list] of Object.entries(operands)) {
    list.forEach((operand, i) => {
      if ((op === 'is' || op === 'gt') || i < 2 || vName.length < 5) {
        add(`eval/${op}/${vName}/${i}:${JSON.stringify(operand)}`, { $eval: value, [op]: operand }, V);
      }
    });
  }
}
add('eval/no-operator-true', { $eval: true }, V);
add('eval/no-operator-false', { $eval: false }, V);
add('eval/no-operator-undefined', { $eval: { $var: 'missing' } }, V);
add('eval/two-operators', { $eval: 42, is: 42, isNot: 42 }, V);
add('eval/two-operators-second-false', { $eval: 42, gt: 1, lt: 1 }, V);
add('eval/nested-object-form', { $eval: { value: 42, is: 1 } }, V);
add('eval/operand-var', { $eval: { $var: 'credentials.apiKey' }, is: { $var: 'credentials.apiKey' } }, V);
add('eval/operand-undefined', { $eval: { $var: 'missing' }, is: { $var: 'missing2' } }, V);
add('eval/undefined-is-null', { $eval: { $var: 'missing' }, is: null }, V);
add('eval/in-object', { enabled: { $eval: { $var: 'connectorParameters.region' }, is: 'eu' } }, V);

// --- $and / $or ------------------------------------------------------------------------------
const boolLists = {
  'true-true': [true, true], 'true-false': [true, false], 'false-false': [false, false],
  'null-true': [null, true], 'null-false': [null, false], 'all-null': [null, null],
  'undefined-true': [{ $var: 'missing' }, true], 'all-undefined': [{ $var: 'missing' }], empty: [],
  strings: ['a', ''], numbers: [1, 0], 'zero-only': [0], 'empty-string-only': [''], objects: [{}, []],
  vars: [{ $var: 'credentials.yes' }, { $var: 'credentials.no' }],
};
for (const [name, list] of Object.entries(boolLists)) {
  add(`and/${name}`, { $and: list }, V);
  add(`or/${name}`, { $or: list }, V);
}
add('and/not-list', { $and: true }, V);
add('or/not-list', { $or: 'x' }, V);

// --- $mergeObjects ---------------------------------------------------------------------------
add('mergeObjects/two', { $mergeObjects: [{ a: 1, b: 1 }, { b: 2, c: 3 }] }, V);
add('mergeObjects/with-null', { $mergeObjects: [{ a: 1 }, null] }, V);
add('mergeObjects/with-undefined', { $mergeObjects: [{ a: 1 }, { $var: 'missing' }] }, V);
add('mergeObjects/with-string', { $mergeObjects: [{ a: 1 }, 'str'] }, V);
add('mergeObjects/with-list', { $mergeObjects: [{ a: 1 }, ['x', 'y']] }, V);
add('mergeObjects/all-empty', { $mergeObjects: [{}, {}] }, V);
add('mergeObjects/empty', { $mergeObjects: [] }, V);
add('mergeObjects/not-list', { $mergeObjects: { a: 1 } }, V);
add('mergeObjects/vars', { $mergeObjects: [{ $var: 'credentials.obj' }, { extra: { $var: 'credentials.apiKey' } }] }, V);
add('mergeObjects/undefined-member', { $mergeObjects: [{ a: 1 }, { a: { $var: 'missing' } }] }, V);
add('mergeObjects/null-member', { $mergeObjects: [{ a: 1 }, { a: null }] }, V);

// --- $iterate --------------------------------------------------------------------------------
add('iterate/items', { $iterate: { source: { $var: 'objs' }, item: { id: { $var: 'item.id' }, i: { $var: 'index' } } } }, V);
add('iterate/falsy-dropped', { $iterate: { source: { $var: 'items' }, item: { $var: 'item' } } }, V);
add('iterate/parent', { $iterate: { source: { $var: 'connectorParameters.scopes' }, item: { $tpl: { template: '{s}:{k}', values: { s: { $var: 'item' }, k: { $var: 'parent.credentials.apiKey' } } } } } }, V);
add('iterate/outer-name-not-visible', { $iterate: { source: { $var: 'connectorParameters.scopes' }, item: { $var: 'credentials.apiKey' } } }, V);
add('iterate/not-list', { $iterate: { source: { $var: 'credentials' }, item: 1 } }, V);
add('iterate/empty', { $iterate: { source: [], item: 1 } }, V);
add('iterate/all-falsy', { $iterate: { source: [1, 2], item: 0 } }, V);
add('iterate/index-zero', { $iterate: { source: ['a', 'b'], item: { $var: 'index' } } }, V);
add('iterate/literal-source', { $iterate: { source: ['a', 'b'], item: { v: { $var: 'item' } } } }, V);
add('iterate/no-args', { $iterate: null }, V);

// --- $plain ----------------------------------------------------------------------------------
add('plain/object', { $plain: { $var: 'credentials.apiKey', x: [1, null] } }, V);
add('plain/list', { $plain: [{ $var: 'x' }] }, V);
add('plain/scalar', { $plain: 'text' }, V);
add('plain/null', { a: { $plain: null } }, V);
add('plain/empty', { a: { $plain: {} } }, V);

// --- $record ---------------------------------------------------------------------------------
add('record/id', { $record: { id: 'rec-1', name: 'R' } }, V);
add('record/no-id', { a: { $record: { name: 'R' } } }, V);
add('record/null', { a: { $record: null } }, V);
add('record/number-id', { $record: { id: 7 } }, V);

// --- $domainFromEmail ------------------------------------------------------------------------
const emails = ['john@example.com', 'a@b@c', 'no-at', '@example.com', 'user@', '', 42, null];
emails.forEach((e, i) => add(`domainFromEmail/${i}:${JSON.stringify(e)}`, { $domainFromEmail: e }, V));
add('domainFromEmail/var', { $domainFromEmail: { $var: 'credentials.email' } }, V);
add('domainFromEmail/undefined', { a: { $domainFromEmail: { $var: 'missing' } } }, V);

// --- $extractDate / $extractTime --------------------------------------------------------------
const dates = [
  '2024-03-05T10:20:30Z', '2024-03-05T10:20:30.123Z', '2024-03-05T23:59:59-05:00', '2024-03-05',
  '2024-03-05T10:20', '2024-03-05T10:20:30+02:00', '2024-03-05T10:20:30', '2024-02-30', 'not a date',
  '', '2024-13-01', '2024-03-05T25:00:00Z', '+002024-03-05T10:20:30Z', '2024-03', '2024',
];
dates.forEach((d, i) => {
  add(`extractDate/${i}:${d}`, { $extractDate: d }, V);
  add(`extractTime/${i}:${d}`, { $extractTime: d }, V);
});
add('extractDate/var', { $extractDate: { $var: 'credentials.date' } }, V);
add('extractDate/undefined', { a: { $extractDate: { $var: 'missing' } } }, V);
add('extractTime/undefined', { a: { $extractTime: { $var: 'missing' } } }, V);

// --- $firstName / $lastName ------------------------------------------------------------------
const names = [
  'John Smith', 'John', 'John Michael Smith', 'Dr. John Smith', 'Mr Smith', 'Smith, John',
  'Smith, John Michael', 'John Smith Jr.', 'John Smith, III', 'Ludwig van Beethoven', 'Juan de la Cruz',
  '  John   Smith  ', 'Mary "Ann Marie" Jones', 'Prof. Maria de la Vega PhD', '', 'Cher', 'Hearst Jr., William',
  'Dr Smith', 'J. R. R. Tolkien', 'O\'Brien', 'Vincent van Gogh', 'St. John Smith', 'a b c d',
];
names.forEach((n, i) => {
  add(`firstName/${i}:${n}`, { $firstName: n }, V);
  add(`lastName/${i}:${n}`, { $lastName: n }, V);
});
add('firstName/var', { $firstName: { $var: 'credentials.name' } }, V);
add('lastName/var', { $lastName: { $var: 'credentials.name' } }, V);
add('firstName/undefined', { a: { $firstName: { $var: 'missing' } } }, V);
add('lastName/undefined', { a: { $lastName: { $var: 'missing' } } }, V);

// --- $formula --------------------------------------------------------------------------------
add('formula/vars', { $formula: { key: { $var: 'credentials.apiKey' }, n: 1 } }, V);
add('formula/undefined-member', { $formula: { key: { $var: 'missing' }, n: 1 } }, V);
add('formula/empty-kept', { $formula: { a: {}, b: [] } }, V);
add('formula/scalar', { $formula: 'text' }, V);
add('formula/top-var', { $formula: { $var: 'credentials.apiKey' } }, V);

// --- $copy -----------------------------------------------------------------------------------
add('copy/sibling', { a: { $var: 'credentials.apiKey' }, b: { $copy: 'a' } }, V);
add('copy/nested', { a: { x: { $var: 'credentials.obj' } }, b: { $copy: 'a.x.a' } }, V);
add('copy/missing', { a: 1, b: { $copy: 'zzz' } }, V);
add('copy/list-item', { a: ['p', 'q'], b: { $copy: 'a[1]' } }, V);
add('copy/of-copy', { a: 1, b: { $copy: 'a' }, c: { $copy: 'b' } }, V);
add('copy/var-locator', { a: 'A', b: { $copy: { $var: 'connectorParameters.region' } } }, V);

// --- $jsonata --------------------------------------------------------------------------------
const jsonataExprs = [
  'credentials.num + 1', 'credentials.apiKey', '$uppercase(credentials.apiKey)', 'missing',
  'connectorParameters.scopes[1]', '$join(connectorParameters.scopes, " ")', 'credentials.num > 40',
  '$count(items)', '{"k": credentials.apiKey}', '((', '$string(credentials.float)', 'objs.id',
  '$substring(credentials.mixed, 0, 5)', 'credentials.nul', '"lit"', '$sum(arr[0])',
];
jsonataExprs.forEach((e, i) => add(`jsonata/${i}:${e}`, { $jsonata: e }, V));
add('jsonata/in-object', { a: { $jsonata: 'missing' }, b: { $jsonata: 'credentials.num' } }, V);
add('jsonata/expression-var', { $jsonata: { $var: 'expr' } }, { ...V, expr: 'credentials.num * 2' });
add('jsonata/empty', { a: { $jsonata: '' } }, V);

// --- nesting ---------------------------------------------------------------------------------
add('nested/auth-header', {
  headers: {
    Authorization: { $tpl: { template: 'Bearer {t}', values: { t: { $var: 'credentials.apiKey' } } } },
    'X-Region': { $case: { cases: [{ filter: isEu, value: 'eu-1' }], default: { $var: 'missing' } } },
  },
  query: { api_key: { $var: 'missing' } },
}, V);
add('nested/iterate-concat', { $concat: { values: { $iterate: { source: { $var: 'objs' }, item: { $var: 'item.id' } } }, delimiter: ',' } }, V);
add('nested/merge-case', { $mergeObjects: [{ a: 1 }, { $case: { cases: [{ filter: isEu, value: { eu: true } }] } }] }, V);
add('nested/map-in-list', [{ $map: { value: 'eu', mapping: [{ from: 'eu', to: 'E' }] } }, { $var: 'missing' }], V);
add('nested/firstNotEmpty-concat', { $firstNotEmpty: [{ $concat: [] }, { $concat: ['', null] }, 'z'] }, V);

function encode(value) {
  if (value === undefined) return { undefined: true };
  return { value: JSON.parse(JSON.stringify(value)) };
}

async function evaluate(testCase) {
  const mapping = JSON.parse(JSON.stringify(testCase.mapping));
  const variables = testCase.variables === undefined ? {} : JSON.parse(JSON.stringify(testCase.variables));
  try {
    if (testCase.id.startsWith('jsonata/')) {
      return encode(await sdk.resolveFormulas(mapping, { variables }));
    }
    return encode(sdk.buildData(mapping, variables));
  } catch (error) {
    return { error: String(error && error.message) };
  }
}

(async () => {
  const ids = new Set();
  const out = [];
  for (const testCase of cases) {
    if (ids.has(testCase.id)) throw new Error('duplicate id ' + testCase.id);
    ids.add(testCase.id);
    out.push({ ...testCase, sdk: await evaluate(testCase) });
  }
  const file = path.join(__dirname, 'formula_corpus.json');
  const doc = { generator: 'tests/unit/formula_corpus_generate.js', reference: `@membranehq/sdk@${version}`, variables: V, cases: out };
  // Cases that use the shared variables store them once, by reference.
  doc.cases = out.map((c) => (c.variables === V ? { id: c.id, mapping: c.mapping, sdk: c.sdk } : c));
  fs.writeFileSync(file, JSON.stringify(doc, null, 1) + '\n');
  console.log(`${out.length} cases written to ${file}`);
})();
