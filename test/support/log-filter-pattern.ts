/**
 * CloudWatch Logs' JSON filter patterns, the part of the syntax our metric filters use
 * (`{ $.field = "text" }`, `{ $.field >= 50 }`), applied to a log line as CloudWatch applies
 * them: so a test can hold a metric filter of the synthesized template against the line the
 * runtime really writes, instead of against a copy of the string.
 */
const CLAUSE = /^\{\s*\$\.([A-Za-z_][\w.]*)\s*(=|!=|>=|<=|>|<)\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*\}$/;

export function matchesFilterPattern(pattern: string, line: Record<string, unknown>): boolean {
  const clause = CLAUSE.exec(pattern.trim());
  if (!clause) throw new Error(`filter pattern not supported by this helper: ${pattern}`);
  const [, path, operator, literal] = clause as unknown as [string, string, string, string];
  const value = readField(line, `$.${path}`);
  if (literal.startsWith('"')) {
    const text = JSON.parse(literal) as string;
    if (operator === '=') return value === text;
    if (operator === '!=') return value !== text;
    throw new Error(`operator ${operator} does not apply to text in: ${pattern}`);
  }
  if (typeof value !== 'number') return false;
  const number = Number(literal);
  switch (operator) {
    case '=':
      return value === number;
    case '!=':
      return value !== number;
    case '>=':
      return value >= number;
    case '<=':
      return value <= number;
    case '>':
      return value > number;
    default:
      return value < number;
  }
}

/** A metric value selector (`$.activeCalls`) read from a line; undefined when it is not there. */
export function readField(line: Record<string, unknown>, selector: string): unknown {
  if (!selector.startsWith('$.')) throw new Error(`not a JSON selector: ${selector}`);
  let value: unknown = line;
  for (const key of selector.slice(2).split('.')) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}
