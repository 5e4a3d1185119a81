// Evaluates Vega expressions by walking their parsed syntax tree instead of compiling them to
// JavaScript. Vega's default code generator builds functions with `Function(...)`, which the
// workbench's Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses; this plugs into
// Vega's `expr` option and needs nothing but the tree (parse the spec with `{ ast: true }`).
// Member access that could reach the Function constructor or timers is refused.

interface AstNode {
  type: string;
  [key: string]: unknown;
}
type Scope = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

interface EvalContext {
  fn: Record<string, Fn>;
  params: Scope | undefined;
  datum: unknown;
  event: unknown;
  item: unknown;
  memberDepth: number;
}

const CONSTANTS: Record<string, number> = {
  NaN: Number.NaN,
  E: Math.E,
  LN2: Math.LN2,
  LN10: Math.LN10,
  LOG2E: Math.LOG2E,
  LOG10E: Math.LOG10E,
  PI: Math.PI,
  SQRT1_2: Math.SQRT1_2,
  SQRT2: Math.SQRT2,
  MIN_VALUE: Number.MIN_VALUE,
  MAX_VALUE: Number.MAX_VALUE,
};

/** Values an expression must never get hold of: each could run arbitrary code. */
const BLOCKED_VALUES = new Set<unknown>([Function, eval, setTimeout, setInterval]);
/** Names an expression may not read or set: prototype plumbing. */
const BLOCKED_KEYS = new Set<string>([
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

const num = (v: unknown) => Number(v);
const str = (v: unknown) => String(v);
const date = (v: unknown) => new Date(v as number);

/** Functions Vega's code generator maps onto JavaScript built-ins (the rest live in the view's function table). */
const BUILTINS: Record<string, Fn> = {
  isNaN: (v) => Number.isNaN(v),
  isFinite: (v) => Number.isFinite(v),
  abs: (v) => Math.abs(num(v)),
  acos: (v) => Math.acos(num(v)),
  asin: (v) => Math.asin(num(v)),
  atan: (v) => Math.atan(num(v)),
  atan2: (a, b) => Math.atan2(num(a), num(b)),
  ceil: (v) => Math.ceil(num(v)),
  cos: (v) => Math.cos(num(v)),
  exp: (v) => Math.exp(num(v)),
  floor: (v) => Math.floor(num(v)),
  hypot: (...v) => Math.hypot(...v.map(num)),
  log: (v) => Math.log(num(v)),
  max: (...v) => Math.max(...v.map(num)),
  min: (...v) => Math.min(...v.map(num)),
  pow: (a, b) => Math.pow(num(a), num(b)),
  random: () => Math.random(),
  round: (v) => Math.round(num(v)),
  sin: (v) => Math.sin(num(v)),
  sqrt: (v) => Math.sqrt(num(v)),
  tan: (v) => Math.tan(num(v)),
  clamp: (v, lo, hi) => Math.max(num(lo), Math.min(num(hi), num(v))),
  now: () => Date.now(),
  utc: (...v) => Date.UTC(...(v.map(num) as [number, number])),
  datetime: (...v) => (v.length ? new Date(...(v as [number, number])) : new Date()),
  date: (v) => date(v).getDate(),
  day: (v) => date(v).getDay(),
  year: (v) => date(v).getFullYear(),
  month: (v) => date(v).getMonth(),
  hours: (v) => date(v).getHours(),
  minutes: (v) => date(v).getMinutes(),
  seconds: (v) => date(v).getSeconds(),
  milliseconds: (v) => date(v).getMilliseconds(),
  time: (v) => date(v).getTime(),
  timezoneoffset: (v) => date(v).getTimezoneOffset(),
  utcdate: (v) => date(v).getUTCDate(),
  utcday: (v) => date(v).getUTCDay(),
  utcyear: (v) => date(v).getUTCFullYear(),
  utcmonth: (v) => date(v).getUTCMonth(),
  utchours: (v) => date(v).getUTCHours(),
  utcminutes: (v) => date(v).getUTCMinutes(),
  utcseconds: (v) => date(v).getUTCSeconds(),
  utcmilliseconds: (v) => date(v).getUTCMilliseconds(),
  length: (v) => (v as { length: number }).length,
  parseFloat: (v) => Number.parseFloat(str(v)),
  parseInt: (v, radix) => Number.parseInt(str(v), radix === undefined ? undefined : num(radix)),
  upper: (v) => str(v).toUpperCase(),
  lower: (v) => str(v).toLowerCase(),
  substring: (v, a, b) => str(v).substring(num(a), b === undefined ? undefined : num(b)),
  split: (v, sep, limit) => str(v).split(str(sep), limit === undefined ? undefined : num(limit)),
  trim: (v) => str(v).trim(),
  btoa: (v) => btoa(str(v)),
  atob: (v) => atob(str(v)),
  encodeURIComponent: (v) => encodeURIComponent(str(v)),
  regexp: (source, flags) => new RegExp(str(source), flags === undefined ? undefined : str(flags)),
  test: (re, value) => (re as RegExp).test(str(value)),
};

/* eslint-disable @typescript-eslint/no-explicit-any -- JavaScript's operators on arbitrary values, as Vega defines them */
const BINARY: Record<string, (a: any, b: any) => unknown> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '>': (a, b) => a > b,
  '<': (a, b) => a < b,
  '>=': (a, b) => a >= b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a == b,
  '!=': (a, b) => a != b,
  '===': (a, b) => a === b,
  '!==': (a, b) => a !== b,
  '&': (a, b) => a & b,
  '|': (a, b) => a | b,
  '^': (a, b) => a ^ b,
  '<<': (a, b) => a << b,
  '>>': (a, b) => a >> b,
  '>>>': (a, b) => a >>> b,
};
const UNARY: Record<string, (a: any) => unknown> = { '+': (a) => +a, '-': (a) => -a, '~': (a) => ~a, '!': (a) => !a };
/* eslint-enable @typescript-eslint/no-explicit-any */

const EVENT_FUNCTIONS = ['view', 'item', 'group', 'xy', 'x', 'y'];

function evaluate(node: AstNode, $: EvalContext): unknown {
  switch (node.type) {
    case 'Literal':
      return node.value;
    case 'Identifier': {
      const name = node.name as string;
      if ($.memberDepth > 0) return name;
      if (name === 'datum') return $.datum;
      if (name === 'event') return $.event;
      if (name === 'item') return $.item;
      if (name in CONSTANTS) return CONSTANTS[name];
      return $.params?.[`$${name}`];
    }
    case 'MemberExpression': {
      const object = evaluate(node.object as AstNode, $) as Record<string, unknown>;
      const computed = node.computed as boolean;
      if (!computed) $.memberDepth++;
      const property = evaluate(node.property as AstNode, $);
      if (!computed) $.memberDepth--;
      if (object === null || object === undefined) return undefined;
      const key = String(property);
      if (BLOCKED_KEYS.has(key)) throw new Error(`expressions may not read "${key}"`);
      const value = object[key];
      if (BLOCKED_VALUES.has(value)) throw new Error(`expressions may not reach "${key}"`);
      return value;
    }
    case 'CallExpression': {
      const args = node.arguments as AstNode[];
      let name = (node.callee as AstNode).name as string;
      // Encoders call internal helpers with a leading underscore; they are the public functions.
      if (name.startsWith('_')) name = name.slice(1);
      if (name === 'if') return evaluate(args[0]!, $) ? evaluate(args[1]!, $) : evaluate(args[2]!, $);
      const fn = $.fn[name] ?? BUILTINS[name];
      if (typeof fn !== 'function') throw new Error(`unknown expression function "${name}"`);
      return fn.apply(
        $.fn,
        args.map((a) => evaluate(a, $)),
      );
    }
    case 'ArrayExpression':
      return (node.elements as AstNode[]).map((e) => evaluate(e, $));
    case 'BinaryExpression': {
      const op = BINARY[node.operator as string];
      if (!op) throw new Error(`unsupported operator ${String(node.operator)}`);
      return op(evaluate(node.left as AstNode, $), evaluate(node.right as AstNode, $));
    }
    case 'UnaryExpression': {
      const op = UNARY[node.operator as string];
      if (!op) throw new Error(`unsupported operator ${String(node.operator)}`);
      return op(evaluate(node.argument as AstNode, $));
    }
    case 'ConditionalExpression':
      return evaluate(node.test as AstNode, $) ? evaluate(node.consequent as AstNode, $) : evaluate(node.alternate as AstNode, $);
    case 'LogicalExpression':
      return node.operator === '&&'
        ? evaluate(node.left as AstNode, $) && evaluate(node.right as AstNode, $)
        : evaluate(node.left as AstNode, $) || evaluate(node.right as AstNode, $);
    case 'ObjectExpression': {
      const out: Record<string, unknown> = {};
      for (const property of node.properties as AstNode[]) {
        $.memberDepth++;
        const key = String(evaluate(property.key as AstNode, $));
        $.memberDepth--;
        const value = evaluate(property.value as AstNode, $);
        if (BLOCKED_KEYS.has(key) || BLOCKED_VALUES.has(value)) throw new Error(`expressions may not set "${key}"`);
        out[key] = value;
      }
      return out;
    }
    default:
      throw new Error(`unsupported expression node ${node.type}`);
  }
}

export function interpret(
  ast: AstNode,
  functions: Record<string, Fn>,
  params?: Scope,
  datum?: unknown,
  event?: unknown,
  item?: unknown,
): unknown {
  const fn = Object.create(functions) as Record<string, Fn>;
  // Event functions answer from the event Vega annotated.
  for (const name of EVENT_FUNCTIONS) fn[name] = (...args) => ((event as { vega: Record<string, Fn> }).vega[name] as Fn)(...args);
  return evaluate(ast, { fn, params, datum, event, item, memberDepth: 0 });
}

interface Expr {
  ast: AstNode;
}
interface RuntimeContext {
  functions: Record<string, Fn>;
}
interface Item {
  datum?: unknown;
  [channel: string]: unknown;
}

/** Derives width/height (or x/y) from the second coordinate, as Vega's compiled encoders do. */
function adjustSpatial(item: Item, channels: Record<string, unknown>, marktype: string): void {
  if (marktype === 'rule') return;
  const swap = marktype === 'group' || marktype === 'image' || marktype === 'rect';
  const n = (k: string) => Number(item[k] ?? 0);
  for (const [pos, pos2, size, centre] of [
    ['x', 'x2', 'width', 'xc'],
    ['y', 'y2', 'height', 'yc'],
  ] as const) {
    if (channels[pos2]) {
      if (channels[pos]) {
        if (swap && n(pos) > n(pos2)) [item[pos], item[pos2]] = [item[pos2], item[pos]];
        item[size] = n(pos2) - n(pos);
      } else {
        item[pos] = n(pos2) - n(size);
      }
    }
    if (channels[centre]) item[pos] = n(centre) - n(size) / 2;
  }
}

/** Vega's `expr` option: every kind of expression a runtime spec holds, evaluated from its tree. */
export const expressionInterpreter = {
  operator: (ctx: RuntimeContext, expr: Expr) => (params: Scope) => interpret(expr.ast, ctx.functions, params),
  parameter: (ctx: RuntimeContext, expr: Expr) => (datum: unknown, params: Scope) => interpret(expr.ast, ctx.functions, params, datum),
  event: (ctx: RuntimeContext, expr: Expr) => (event: unknown) => interpret(expr.ast, ctx.functions, undefined, undefined, event),
  handler: (ctx: RuntimeContext, expr: Expr) => (params: Scope, event: { item?: Item }) =>
    interpret(expr.ast, ctx.functions, params, event.item?.datum, event),
  encode: (ctx: RuntimeContext, encode: { marktype: string; channels: Record<string, Expr> }) => (item: Item, params: Scope) => {
    let modified = false;
    for (const [name, channel] of Object.entries(encode.channels)) {
      const value = interpret(channel.ast, ctx.functions, params, item.datum, undefined, item);
      if (item[name] !== value) {
        item[name] = value;
        modified = true;
      }
    }
    adjustSpatial(item, encode.channels, encode.marktype);
    return modified;
  },
};
