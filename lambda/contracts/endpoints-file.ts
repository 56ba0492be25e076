/**
 * Endpoint target files (`watcher:endpointsFile`, `cert-watch check --file`): JSON, YAML or one
 * `host[:port]` per line. Apart from lambda/contracts/endpoints.ts because the YAML parser is only
 * for synth and the CLI: no Lambda bundle carries it.
 */
import { parse as parseYaml } from 'yaml';
import {
  type EndpointTarget,
  parseTargetList,
  parseTargetSpec,
  type TargetDefaults,
  TargetParseError,
} from './endpoints';

/**
 * Targets from a file's text. JSON or YAML (by extension, or by content that starts like a list
 * or mapping), else one `host[:port]` per line with `#` comments.
 */
export const parseTargetsFile = (
  text: string,
  origin: string,
  defaults: TargetDefaults = {},
): EndpointTarget[] => {
  const trimmed = text.trim();
  const wrap = (err: unknown, what: string): never => {
    if (err instanceof TargetParseError) throw err;
    throw new TargetParseError(`${origin}: not valid ${what} (${(err as Error).message.split('\n')[0]})`);
  };
  if (/\.json$/i.test(origin) || /^[[{]/.test(trimmed)) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      wrap(err, 'JSON');
    }
    return parseTargetList(data, origin, defaults);
  }
  if (/\.ya?ml$/i.test(origin) || /^(-\s|---|(targets|endpoints):)/m.test(trimmed)) {
    let data: unknown;
    try {
      data = parseYaml(trimmed);
    } catch (err) {
      wrap(err, 'YAML');
    }
    return parseTargetList(data ?? [], origin, defaults);
  }
  const targets: EndpointTarget[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const content = line.replace(/#.*$/, '').trim();
    if (!content) return;
    try {
      targets.push(parseTargetSpec(content, defaults));
    } catch (err) {
      throw new TargetParseError(`${origin}:${i + 1}: ${(err as Error).message}`);
    }
  });
  return targets;
};
