#!/usr/bin/env node
// Builds tests/Unit/Decoding/Fixtures/kpl-aggregates.json: KPL aggregated records made by an implementation
// independent of ours (AWS Labs' aws-kinesis-agg, pinned in tests/emulators/package.json), with the user
// records each one must de-aggregate to.
//
//   cd tests/emulators && npm ci && cd ../.. && node tests/Fixtures/make_kpl_fixtures.js
//
// The output is deterministic (fixed inputs, protobuf encoding and MD5 are deterministic), so running it again
// must leave the committed file unchanged.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const emulators = path.join(__dirname, '..', 'emulators');
const requireFromEmulators = createRequire(path.join(emulators, 'package.json'));
const agg = requireFromEmulators('aws-kinesis-agg');
const aggVersion = requireFromEmulators('aws-kinesis-agg/package.json').version;

const outFile = path.join(__dirname, '..', 'Unit', 'Decoding', 'Fixtures', 'kpl-aggregates.json');

// Kinesis maps a record to a shard by MD5(UTF-8 partition key) read as an unsigned 128-bit big-endian
// integer, unless the producer gave an explicit hash key (a decimal number in [0, 2^128 - 1]).
function effectiveHashKey(partitionKey, explicitHashKey) {
  if (explicitHashKey) return BigInt(explicitHashKey).toString(10);
  const digest = crypto.createHash('md5').update(Buffer.from(partitionKey, 'utf8')).digest('hex');
  return BigInt('0x' + digest).toString(10);
}

const MAX_HASH_KEY = ((1n << 128n) - 1n).toString(10);

const cases = [
  {
    name: 'single-user-record',
    records: [{ partitionKey: 'alpha', data: Buffer.from('hello, kinesis') }],
  },
  {
    name: 'distinct-partition-keys',
    records: [
      { partitionKey: 'alpha', data: Buffer.from('one') },
      { partitionKey: 'bravo', data: Buffer.from('two') },
      { partitionKey: 'charlie', data: Buffer.from('three') },
      { partitionKey: 'alpha', data: Buffer.from('four (alpha again: one table entry)') },
      { partitionKey: 'clé-ünïcødé-🔑', data: Buffer.from('five, with a non-ASCII key') },
      { partitionKey: 'delta', data: Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]) },
    ],
  },
  {
    name: 'explicit-hash-keys',
    records: [
      { partitionKey: 'p0', explicitHashKey: '0', data: Buffer.from('lowest hash key') },
      { partitionKey: 'p1', data: Buffer.from('no explicit hash key') },
      { partitionKey: 'p2', explicitHashKey: MAX_HASH_KEY, data: Buffer.from('highest hash key') },
      { partitionKey: 'p3', explicitHashKey: '170141183460469231731687303715884105728', data: Buffer.from('midpoint') },
      { partitionKey: 'p4', explicitHashKey: '0', data: Buffer.from('lowest again: one table entry') },
      { partitionKey: 'p1', data: Buffer.from('p1 again, still no explicit hash key') },
    ],
  },
  {
    name: 'empty-data',
    records: [
      { partitionKey: 'empty-1', data: Buffer.alloc(0) },
      { partitionKey: 'full', data: Buffer.from('not empty') },
      { partitionKey: 'empty-2', data: Buffer.alloc(0) },
    ],
  },
  {
    name: 'one-thousand-user-records',
    records: Array.from({ length: 1000 }, (_, i) => ({
      partitionKey: 'k' + (i % 97),
      // Every 10th record pins its shard with an explicit hash key spread over the whole key space.
      explicitHashKey: i % 10 === 0 ? ((BigInt(i) * ((1n << 128n) - 1n)) / 999n).toString(10) : undefined,
      data: Buffer.from(String(i)),
    })),
  },
];

// aws-kinesis-agg's aggregate() hands each finished aggregate (at most 1 MB) to encodedRecordHandler and calls
// afterPutAggregatedRecords once they are all handled; errors go to errorCallback.
function aggregate(records) {
  return new Promise((resolve, reject) => {
    const encoded = [];
    const errors = [];
    agg.aggregate(
      records.map((r) => ({ ...r, data: Buffer.from(r.data) })), // it may rewrite its input; give it copies
      (encodedRecord, done) => {
        encoded.push(encodedRecord);
        done();
      },
      () => (errors.length ? reject(errors[0]) : resolve(encoded)),
      (err) => errors.push(err),
    );
  });
}

// Cross-check with the same library's de-aggregator, checksum verification on. Its explicit hash key is not
// trusted for records that have none: protobufjs gives an absent optional uint64 its default 0 and the
// de-aggregator (4.2.8) does not ask whether the field was present, so such a record reports table entry 0.
// The encoder is right (the field is absent on the wire); our decoder's tests hold it to that.
function deaggregate(blob) {
  return new Promise((resolve, reject) => {
    agg.deaggregateSync({ data: blob.toString('base64'), partitionKey: 'outer' }, true, (err, userRecords) =>
      err ? reject(err) : resolve(userRecords));
  });
}

function expectedUserRecord(r, index) {
  return {
    subSequenceNumber: index,
    partitionKey: r.partitionKey,
    explicitHashKey: r.explicitHashKey || null,
    dataBase64: Buffer.from(r.data).toString('base64'),
    effectiveHashKey: effectiveHashKey(r.partitionKey, r.explicitHashKey),
  };
}

async function main() {
  const out = {
    generatedBy: 'tests/Fixtures/make_kpl_fixtures.js',
    aggregator: 'aws-kinesis-agg ' + aggVersion,
    magicHex: 'f3899ac2',
    // Known values of Kinesis' hash function, for EffectiveHashKey.
    hashKeys: [
      ['alpha', null], ['', null], ['clé-ünïcødé-🔑', null], ['0', null], ['p', '12345'], ['q', MAX_HASH_KEY],
    ].map(([partitionKey, explicitHashKey]) => ({
      partitionKey, explicitHashKey, effectiveHashKey: effectiveHashKey(partitionKey, explicitHashKey),
    })),
    cases: [],
  };

  for (const c of cases) {
    const encoded = await aggregate(c.records);
    if (encoded.length !== 1) throw new Error(`${c.name}: expected one aggregate, got ${encoded.length}`);
    const blob = encoded[0].data;
    if (blob.subarray(0, 4).toString('hex') !== out.magicHex) throw new Error(`${c.name}: no KPL magic`);

    const expected = c.records.map(expectedUserRecord);
    const roundTrip = await deaggregate(blob);
    if (roundTrip.length !== expected.length) throw new Error(`${c.name}: library round trip lost records`);
    roundTrip.forEach((u, i) => {
      const e = expected[i];
      const data = Buffer.from(u.data, 'base64').toString('base64');
      const ehkDiffers = e.explicitHashKey !== null && u.explicitPartitionKey !== e.explicitHashKey;
      if (u.partitionKey !== e.partitionKey || ehkDiffers ||
          data !== e.dataBase64 || Number(u.subSequenceNumber) !== i) {
        throw new Error(`${c.name}: library round trip differs at ${i}: ${JSON.stringify(u)}`);
      }
    });

    out.cases.push({
      name: c.name,
      aggregatePartitionKey: encoded[0].partitionKey,
      aggregateBase64: blob.toString('base64'),
      userRecords: expected,
    });
  }

  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, format(out));
  const total = out.cases.reduce((n, c) => n + c.userRecords.length, 0);
  console.log(`wrote ${path.relative(process.cwd(), outFile)}: ${out.cases.length} aggregates, ` +
    `${total} user records, ${fs.statSync(outFile).size} bytes`);
}

// Pretty JSON, except one line per user record / hash key so the 1,000-record case stays small and diffable.
function format(out) {
  const lines = (items) => items.map((x) => '      ' + JSON.stringify(x)).join(',\n');
  const cases = out.cases.map((c) => [
    '    {',
    `      "name": ${JSON.stringify(c.name)},`,
    `      "aggregatePartitionKey": ${JSON.stringify(c.aggregatePartitionKey)},`,
    `      "aggregateBase64": ${JSON.stringify(c.aggregateBase64)},`,
    '      "userRecords": [',
    c.userRecords.map((u) => '        ' + JSON.stringify(u)).join(',\n'),
    '      ]',
    '    }',
  ].join('\n'));
  return [
    '{',
    `  "generatedBy": ${JSON.stringify(out.generatedBy)},`,
    `  "aggregator": ${JSON.stringify(out.aggregator)},`,
    `  "magicHex": ${JSON.stringify(out.magicHex)},`,
    '  "hashKeys": [',
    lines(out.hashKeys).replace(/^ {6}/gm, '    '),
    '  ],',
    '  "cases": [',
    cases.join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
