// Normalisation round trips (fast-check): istioctl's camelCase and Envoy's snake_case of the same resource
// normalise to the same thing, v2 type URLs upgrade to v3 once, and normalising twice changes nothing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  camelToSnake,
  normalizeResource,
  toSnakeCase,
  upgradeTypeUrl,
  TYPE_URL_PREFIX,
} from '../../src/core/model/normalize.js';
import { fc, property } from '../helpers/fuzz.js';

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
/** A proto field name as Envoy prints it: snake_case words, each starting with a letter. */
const snakeKey = fc
  .array(word, { minLength: 1, maxLength: 4 })
  .map((w) => w.join('_'))
  .filter(
    (k) =>
      !['filter_metadata', 'labels', 'config', 'typed_filter_metadata', 'fields', 'metadata'].includes(k),
  );
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelize(x)]));
}

const { resource } = fc.letrec((tie) => ({
  resource: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.array(tie('resource'), { maxLength: 4 }),
    fc.dictionary(snakeKey, tie('resource'), { maxKeys: 5 }),
  ),
}));

describe('normalisation (fast-check)', () => {
  it('camelToSnake undoes camelCase of every snake_case proto field name', () => {
    property(
      'normalize: field names',
      fc.property(snakeKey, (k) => assert.equal(camelToSnake(camel(k)), k)),
      300,
    );
  });

  it('a resource in camelCase (istioctl -o json) normalises as the snake_case one (Envoy), and twice as once', () => {
    property(
      'normalize: resources',
      fc.property(resource, (r) => {
        const snake = normalizeResource(r);
        assert.deepEqual(normalizeResource(camelize(r)), snake);
        assert.deepEqual(normalizeResource(snake), snake);
      }),
      300,
    );
  });

  it('never throws on any JSON value, and keeps Struct contents (labels, filter_metadata) verbatim', () => {
    property(
      'normalize: any JSON',
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.string()), (v, labels) => {
        normalizeResource(v);
        const out = toSnakeCase({ metadata: { filterMetadata: { istio: labels } }, labels }) as Record<
          string,
          unknown
        >;
        assert.deepEqual(out.labels, labels);
        assert.deepEqual((out.metadata as { filter_metadata: unknown }).filter_metadata, { istio: labels });
      }),
      200,
    );
  });

  it('upgrades a v2 type URL to v3 once (the v3 URL stays)', () => {
    property(
      'normalize: type URLs',
      fc.property(
        fc.constantFrom('envoy.api.v2.Listener', 'envoy.api.v2.Cluster', 'envoy.api.v2.auth.Secret', 'x.y.Z'),
        fc.boolean(),
        (t, prefixed) => {
          const url = (prefixed ? TYPE_URL_PREFIX : '') + t;
          const once = upgradeTypeUrl(url);
          assert.equal(upgradeTypeUrl(once), once);
          if (t.includes('.v2.') && prefixed) assert.match(once, /\.v3\./);
        },
      ),
      100,
    );
  });
});
