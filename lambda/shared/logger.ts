import type { Logger } from '../core/ports';

/** One JSON object per line: what CloudWatch Logs Insights queries best. Never pass secrets here. */
export const jsonLogger = (
  base: Record<string, unknown> = {},
  write = (line: string) => console.log(line),
): Logger => {
  const emit = (level: string, message: string, fields?: Record<string, unknown>) => {
    const out: Record<string, unknown> = { level, message, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) {
      out[k] = v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v;
    }
    write(JSON.stringify(out));
  };
  return {
    info: (m, f) => emit('INFO', m, f),
    warn: (m, f) => emit('WARN', m, f),
    error: (m, f) => emit('ERROR', m, f),
  };
};
