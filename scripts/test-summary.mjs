// The closing lines of `npm test`: counts from vitest's JSON report, with every skipped test put in
// one of two piles: skipped because an external input is missing (the suite declared it through
// test/support/external-inputs.ts, which writes KITEDESK_SKIP_LOG), or skipped for no declared reason.

export const INPUT_LABELS = {
  'shared-data': '../shared/data',
  'kite-mocks': '../shared/kite-mocks',
  'electron-binary': 'Electron binary',
  keychain: 'keychain service',
};

/** Parses the skip log (JSON lines); bad lines are ignored, never fatal. */
export function parseSkipLog(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line);
      if (r && typeof r.file === 'string' && typeof r.input === 'string') out.push(r);
    } catch {
      /* a torn line from a killed worker: skip it */
    }
  }
  return out;
}

/**
 * @param {{ testResults?: { name: string, assertionResults: { status: string }[] }[], numPassedTests?: number, numFailedTests?: number }} report
 * @param {{ file: string, input: string }[]} skips
 * @param {string} root absolute repo root, to relate the report's absolute file names
 */
export function summarize(report, skips, root) {
  const byFile = new Map();
  for (const s of skips) {
    if (!byFile.has(s.file)) byFile.set(s.file, new Set());
    byFile.get(s.file).add(s.input);
  }
  let passed = 0, failed = 0, skipped = 0, external = 0;
  const perInput = new Map();
  const unexplained = [];
  for (const f of report.testResults ?? []) {
    const rel = f.name.startsWith(root) ? f.name.slice(root.length).replace(/^[\\/]+/, '').split('\\').join('/') : f.name;
    let n = 0;
    for (const a of f.assertionResults ?? []) {
      if (a.status === 'passed') passed++;
      else if (a.status === 'failed') failed++;
      else n++; // skipped, pending, todo
    }
    if (n === 0) continue;
    skipped += n;
    const inputs = byFile.get(rel);
    if (inputs) {
      external += n;
      const key = [...inputs].map((i) => INPUT_LABELS[i] ?? i).sort().join(' + ');
      perInput.set(key, (perInput.get(key) ?? 0) + n);
    } else {
      unexplained.push(`${rel} (${n})`);
    }
  }
  const parts = [...perInput].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`);
  const skipText =
    skipped === 0
      ? '0 skipped'
      : `${skipped} skipped (${external} for a missing external input${parts.length ? ` — ${parts.join(', ')}` : ''}${
          unexplained.length ? `; ${skipped - external} with no declared reason` : ''
        })`;
  return { passed, failed, skipped, external, unexplained, skipText };
}
