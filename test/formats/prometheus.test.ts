import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeLabelValue, exposition, formatValue, histogramSamples } from '../../src/formats/prometheus.ts';

// The Prometheus text exposition format 0.0.4: escaping, values, histograms.

test('label values escape backslash, quote and line feed; HELP escapes backslash and line feed', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const text = exposition([
    { name: 'x_total', help: 'Line one\nback\\slash "quoted"', type: 'counter', samples: [{ labels: { clock: 'tri"age\n' }, value: 3 }] },
  ]);
  assert.equal(text, '# HELP x_total Line one\\nback\\\\slash "quoted"\n# TYPE x_total counter\nx_total{clock="tri\\"age\\n"} 3\n');
});

test('values: integers, fractions, infinities and NaN', () => {
  assert.deepEqual([0, 1.5, 86400, Infinity, -Infinity, NaN].map(formatValue), ['0', '1.5', '86400', '+Inf', '-Inf', 'NaN']);
});

test('names and label names are checked', () => {
  assert.throws(() => exposition([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]), /invalid metric name/);
  assert.throws(
    () => exposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] }]),
    /invalid label name/,
  );
  assert.throws(
    () => exposition([{ name: 'ok', help: '', type: 'gauge', samples: [{ labels: { __reserved: 'x' }, value: 1 }] }]),
    /invalid label name/,
  );
});

test('a histogram from per-bucket counts: cumulative le buckets, +Inf, _sum and _count', () => {
  const s = histogramSamples({ clock: 'triage' }, [60, 3600], [1, 0, 2], 7300);
  const text = exposition([{ name: 'h_seconds', help: 'h', type: 'histogram', samples: s }]).split('\n');
  assert.deepEqual(text.slice(2, -1), [
    'h_seconds_bucket{clock="triage",le="60"} 1',
    'h_seconds_bucket{clock="triage",le="3600"} 1',
    'h_seconds_bucket{clock="triage",le="+Inf"} 3',
    'h_seconds_sum{clock="triage"} 7300',
    'h_seconds_count{clock="triage"} 3',
  ]);
  assert.throws(() => histogramSamples({}, [1, 2], [1, 2], 0), /one count more/);
});
