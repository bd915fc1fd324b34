// Reads a JSON list of YAML texts on stdin; prints, for each, what YAML.parse does with it:
// {ok: true, value} or {ok: false, error}.  Infinite numbers become strings ("Infinity", "NaN").
const YAML = require('yaml');
process.removeAllListeners('warning');
process.on('warning', () => {});
const finite = (k, v) => (typeof v === 'number' && !isFinite(v)) ? String(v) : v;
let input = '';
process.stdin.on('data', d => input += d);
process.stdin.on('end', () => {
  const out = JSON.parse(input).map(text => {
    let result;
    try {
      const value = YAML.parse(text, {logLevel: 'error'});
      result = {ok: true, value: value === undefined ? null : value};
    } catch (e) {
      result = {ok: false, error: String(e && e.message).split('\n')[0]};
    }
    try {
      return JSON.stringify(result, finite);
    } catch (e) {
      return JSON.stringify({ok: result.ok, value: '<unserializable>'});
    }
  });
  process.stdout.write('[' + out.join(',') + ']');
});
