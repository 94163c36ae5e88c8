/**
 * User functions shipped to worker threads as source text (mapPartitions, mapBlocks): the
 * scheduler runs them where it likes, so a function cannot see the variables around the place
 * it was written. `shipFunction` checks that when the plan is built — it parses the source
 * (acorn) and walks its scopes, and a name that is neither declared inside the function nor a
 * global of the worker is a captured variable: a PlanError names it and the function, before
 * any data is read. `reviveFunction` compiles the text again on the other side, once per
 * source per thread.
 */
import { parse, type Node } from 'acorn';
import { PlanError } from '../errors.js';

/** A function as posted to a worker: its source as an expression, and its name for errors. */
export interface ShippedFunction {
  source: string;
  name: string;
}

/** Names a shipped function may use without declaring them: the worker's globals. */
const GLOBALS: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(globalThis),
  'undefined', 'NaN', 'Infinity', 'globalThis', 'arguments',
]);

type AnyNode = Node & Record<string, unknown>;

function isNode(x: unknown): x is AnyNode {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

/** The names a binding pattern declares (`a`, `{ a, b: [c] }`, `...rest`, `x = 1`). */
function patternNames(p: AnyNode, out: Set<string>): void {
  switch (p.type) {
    case 'Identifier':
      out.add(p.name as string);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties as AnyNode[]) patternNames(prop.type === 'RestElement' ? prop : (prop.value as AnyNode), out);
      break;
    case 'ArrayPattern':
      for (const e of p.elements as (AnyNode | null)[]) if (e !== null) patternNames(e, out);
      break;
    case 'RestElement':
      patternNames(p.argument as AnyNode, out);
      break;
    case 'AssignmentPattern':
      patternNames(p.left as AnyNode, out);
      break;
  }
}

/** `var` declarations and function declarations of a function body (not of nested functions). */
function hoisted(node: AnyNode, out: Set<string>): void {
  for (const [key, value] of Object.entries(node)) {
    if (key === 'type') continue;
    for (const child of Array.isArray(value) ? value : [value]) {
      if (!isNode(child)) continue;
      if (child.type === 'VariableDeclaration' && child.kind === 'var') {
        for (const d of child.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
      }
      if (child.type === 'FunctionDeclaration') {
        out.add((child.id as AnyNode).name as string);
        continue;
      }
      if (child.type === 'FunctionExpression' || child.type === 'ArrowFunctionExpression' || child.type === 'ClassExpression' || child.type === 'ClassDeclaration') continue;
      hoisted(child, out);
    }
  }
}

/** let/const/class/function declared directly in a block or program body. */
function blockNames(body: AnyNode[], out: Set<string>): void {
  for (const s of body) {
    if (s.type === 'VariableDeclaration' && s.kind !== 'var') for (const d of s.declarations as AnyNode[]) patternNames(d.id as AnyNode, out);
    if ((s.type === 'ClassDeclaration' || s.type === 'FunctionDeclaration') && s.id !== null) out.add((s.id as AnyNode).name as string);
  }
}

/** Walks `node`, adding every name it reads that no enclosing scope declares to `free`. */
function walk(node: AnyNode, scopes: readonly ReadonlySet<string>[], free: Set<string>): void {
  const declared = (name: string): boolean => scopes.some((s) => s.has(name));
  const visit = (child: unknown, inner = scopes): void => {
    if (Array.isArray(child)) for (const c of child) visit(c, inner);
    else if (isNode(child)) walk(child, inner, free);
  };
  /**
   * Defaults and computed keys inside a binding pattern are reads; so are its names when it is
   * an assignment's target (`x = 1` writes a variable of the surroundings), not a declaration.
   */
  const visitPattern = (p: AnyNode, inner = scopes, assigns = false): void => {
    const again = (q: AnyNode): void => visitPattern(q, inner, assigns);
    if (p.type === 'AssignmentPattern') {
      again(p.left as AnyNode);
      visit(p.right, inner);
    } else if (p.type === 'ObjectPattern') {
      for (const prop of p.properties as AnyNode[]) {
        if (prop.type === 'RestElement') again(prop.argument as AnyNode);
        else {
          if (prop.computed === true) visit(prop.key, inner);
          again(prop.value as AnyNode);
        }
      }
    } else if (p.type === 'ArrayPattern') {
      for (const e of p.elements as (AnyNode | null)[]) if (e !== null) again(e);
    } else if (p.type === 'RestElement') {
      again(p.argument as AnyNode);
    } else if (p.type !== 'Identifier' || assigns) {
      visit(p, inner); // assignment targets: a variable, or a member such as obj.x
    }
  };
  switch (node.type) {
    case 'Identifier':
      if (!declared(node.name as string)) free.add(node.name as string);
      return;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression': {
      const own = new Set<string>();
      if (node.type !== 'ArrowFunctionExpression') own.add('arguments');
      if (node.type === 'FunctionExpression' && node.id !== null) own.add((node.id as AnyNode).name as string);
      for (const p of node.params as AnyNode[]) patternNames(p, own);
      const body = node.body as AnyNode;
      hoisted(body, own);
      if (body.type === 'BlockStatement') blockNames(body.body as AnyNode[], own);
      const inner = [...scopes, own];
      for (const p of node.params as AnyNode[]) visitPattern(p, inner);
      if (body.type === 'BlockStatement') visit(body.body, inner);
      else visit(body, inner);
      return;
    }
    case 'BlockStatement':
    case 'StaticBlock': {
      const own = new Set<string>();
      blockNames(node.body as AnyNode[], own);
      visit(node.body, [...scopes, own]);
      return;
    }
    case 'ForStatement':
    case 'ForInStatement':
    case 'ForOfStatement': {
      const own = new Set<string>();
      const head = (node.type === 'ForStatement' ? node.init : node.left) as AnyNode | null;
      if (head?.type === 'VariableDeclaration') for (const d of head.declarations as AnyNode[]) patternNames(d.id as AnyNode, own);
      const inner = [...scopes, own];
      for (const key of ['init', 'test', 'update', 'left', 'right', 'body']) {
        const child = node[key];
        if (isNode(child) && key === 'left' && child.type !== 'VariableDeclaration') visitPattern(child, inner, true);
        else visit(child, inner);
      }
      return;
    }
    case 'CatchClause': {
      const own = new Set<string>();
      if (node.param !== null) patternNames(node.param as AnyNode, own);
      visit(node.body, [...scopes, own]);
      return;
    }
    case 'ClassDeclaration':
    case 'ClassExpression': {
      const own = new Set<string>();
      if (node.id !== null) own.add((node.id as AnyNode).name as string);
      visit(node.superClass);
      visit(node.body, [...scopes, own]);
      return;
    }
    case 'VariableDeclarator':
      visitPattern(node.id as AnyNode);
      visit(node.init);
      return;
    case 'AssignmentExpression':
      visitPattern(node.left as AnyNode, scopes, true);
      visit(node.right);
      return;
    case 'MemberExpression':
      visit(node.object);
      if (node.computed === true) visit(node.property);
      return;
    case 'Property':
    case 'PropertyDefinition':
    case 'MethodDefinition':
      if (node.computed === true) visit(node.key);
      visit(node.value);
      return;
    case 'LabeledStatement':
      visit(node.body);
      return;
    case 'BreakStatement':
    case 'ContinueStatement':
    case 'MetaProperty':
    case 'PrivateIdentifier':
      return;
    default:
      for (const [key, value] of Object.entries(node)) if (key !== 'type') visit(value);
  }
}

/** The function as a parsed expression: plain and arrow functions as they are, methods (`f(x) {}`) wrapped. */
function functionExpression(text: string, what: string, name: string): { source: string; fn: AnyNode } {
  for (const source of [`(${text})`, `(Object.values({ ${text} })[0])`]) {
    try {
      const program = parse(source, { ecmaVersion: 'latest', sourceType: 'script' }) as unknown as AnyNode;
      const statement = (program.body as AnyNode[])[0]!;
      let expr = statement.expression as AnyNode;
      // The method form is `Object.values({ m() {} })[0]`: the function is the property's value.
      if (expr.type === 'MemberExpression') expr = ((((((expr.object as AnyNode).arguments as AnyNode[])[0]!).properties as AnyNode[])[0]!).value as AnyNode);
      if (expr.type === 'FunctionExpression' || expr.type === 'ArrowFunctionExpression') return { source, fn: expr };
    } catch {
      // not this form; try the next
    }
  }
  throw new PlanError('FUNCTION_SOURCE', `${what}: the function '${name}' cannot be shipped to worker threads as source text (native or bound functions cannot); pass a plain function or arrow function`);
}

/**
 * Checks that `fn` uses only its arguments, its own declarations and the worker's globals, and
 * returns it as source text for a worker. Throws a PlanError naming the captured variables.
 *
 * @example
 * const shipped = shipFunction((batch, i) => batch.slice(0, 10), 'mapPartitions');
 * // in the worker: reviveFunction(shipped)(table, 3)
 */
export function shipFunction(fn: unknown, what: string): ShippedFunction {
  if (typeof fn !== 'function') throw new PlanError('BAD_FUNCTION', `${what}: expected a function, got ${typeof fn}`);
  const name = fn.name === '' ? '(anonymous)' : fn.name;
  const { source, fn: node } = functionExpression(Function.prototype.toString.call(fn), what, name);
  const free = new Set<string>();
  walk(node, [], free);
  const captured = [...free].filter((n) => !GLOBALS.has(n)).sort();
  if (captured.length > 0) {
    const list = captured.map((n) => `'${n}'`).join(', ');
    throw new PlanError('FUNCTION_CAPTURES', `${what}: the function '${name}' uses ${list} from its surroundings, but it runs in a worker thread that has only its arguments and the globals; define ${captured.length > 1 ? 'them' : 'it'} inside the function or pass ${captured.length > 1 ? 'them' : 'it'} in another way (for example as a column)`);
  }
  return { source, name };
}

const revived = new Map<string, (...args: unknown[]) => unknown>();

/** The shipped function, compiled once per source in this thread. */
export function reviveFunction(shipped: ShippedFunction): (...args: unknown[]) => unknown {
  let fn = revived.get(shipped.source);
  if (fn === undefined) {
    fn = new Function(`"use strict"; return ${shipped.source};`)() as (...args: unknown[]) => unknown;
    revived.set(shipped.source, fn);
  }
  return fn;
}
