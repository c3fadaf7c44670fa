// Every case of Istio's own protocol-selection tests (transcribed in realdata) agrees.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import {
  describeProtocol,
  parseProtocolName,
  resolvePortProtocol,
} from '../../../src/core/model/protocol.js';
import { real } from '../../helpers/paths.js';

interface Cases {
  convert_protocol_cases: Array<{
    name: string;
    port: number;
    portName: string;
    proto: string;
    appProtocol: string | null;
    expected: string;
  }>;
  parse_cases: Array<{ in: string; expected: string }>;
  describe_find_protocol_for_port_cases: Array<{
    name: string;
    protocol: string;
    port: number | null;
    appProtocol: string | null;
    expected: string;
  }>;
}
const cases = parse(readFileSync(real('istio/analyzer/protocol-selection-cases.yaml'), 'utf8')) as Cases;

describe('Istio protocol selection', () => {
  for (const c of cases.convert_protocol_cases)
    it(`ConvertProtocol: ${c.name}`, () =>
      assert.equal(
        resolvePortProtocol({
          port: c.port,
          name: c.portName,
          protocol: c.proto,
          ...(c.appProtocol !== null ? { appProtocol: c.appProtocol } : {}),
        }).protocol,
        c.expected,
      ));
  for (const c of cases.parse_cases)
    it(`Parse(${JSON.stringify(c.in)})`, () => assert.equal(parseProtocolName(c.in), c.expected));
  for (const c of cases.describe_find_protocol_for_port_cases)
    it(`describe: ${JSON.stringify(c.name)} ${c.appProtocol ?? ''}`, () =>
      assert.equal(
        describeProtocol({
          port: c.port ?? 0,
          name: c.name,
          protocol: c.protocol,
          ...(c.appProtocol !== null ? { appProtocol: c.appProtocol } : {}),
        }),
        c.expected,
      ));
});
