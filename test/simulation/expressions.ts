/**
 * DynamoDB's expression language, as much of it as the adapters use (grep `Expression` in
 * functions/adapters/dynamodb): condition, filter and key-condition expressions (comparisons, IN,
 * BETWEEN, AND/OR/NOT, parentheses, attribute_exists, attribute_not_exists, begins_with, contains,
 * size) and update expressions (SET with + and -, if_not_exists and list_append; REMOVE; ADD;
 * DELETE), over document-client values (numbers, strings, booleans, lists, maps and JS Sets).
 * A test model: what it does not know it refuses loudly (a ValidationException), never guesses.
 */

import {
  type Condition,
  type ExpressionContext,
  type Item,
  type Operand,
  parseCondition,
  parseUpdate,
  type PathStep,
  ValidationException,
} from './expression-parser';

export { type ExpressionContext, type Item, type UpdateAction, ValidationException } from './expression-parser';

function resolvePath(path: PathStep[], context: ExpressionContext): PathStep[] {
  return path.map((step) => {
    if (typeof step === 'number' || !step.startsWith('#')) return step;
    const name = context.names?.[step];
    if (name === undefined) throw new ValidationException(`ExpressionAttributeNames has no ${step}`);
    return name;
  });
}

function valueAt(item: Item | undefined, path: PathStep[]): unknown {
  let cursor: unknown = item;
  for (const step of path) {
    if (cursor === null || typeof cursor !== 'object' || cursor instanceof Set) return undefined;
    cursor = (cursor as Record<string | number, unknown>)[step];
  }
  return cursor;
}

function operandValue(operand: Operand, item: Item | undefined, context: ExpressionContext): unknown {
  switch (operand.kind) {
    case 'value': {
      if (!context.values || !(operand.name in context.values))
        throw new ValidationException(`ExpressionAttributeValues has no ${operand.name}`);
      return context.values[operand.name];
    }
    case 'path':
      return valueAt(item, resolvePath(operand.path, context));
    case 'arith': {
      const left = operandValue(operand.left, item, context);
      const right = operandValue(operand.right, item, context);
      if (typeof left !== 'number' || typeof right !== 'number')
        throw new ValidationException('An operand in the update expression has an incorrect data type');
      return operand.op === '+' ? left + right : left - right;
    }
    case 'call': {
      if (operand.name === 'size') {
        const value = operandValue(operand.args[0]!, item, context);
        if (typeof value === 'string' || Array.isArray(value)) return value.length;
        if (value instanceof Set) return value.size;
        if (value && typeof value === 'object') return Object.keys(value).length;
        return undefined;
      }
      if (operand.name === 'if_not_exists') {
        const existing = operandValue(operand.args[0]!, item, context);
        return existing === undefined ? operandValue(operand.args[1]!, item, context) : existing;
      }
      if (operand.name === 'list_append') {
        const a = operandValue(operand.args[0]!, item, context);
        const b = operandValue(operand.args[1]!, item, context);
        if (!Array.isArray(a) || !Array.isArray(b)) throw new ValidationException('list_append needs two lists');
        return [...a, ...b];
      }
      throw new ValidationException(`Unknown function ${operand.name}`);
    }
  }
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Set && b instanceof Set) return a.size === b.size && [...a].every((value) => b.has(value));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((value, index) => sameValue(value, b[index]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keysA = Object.keys(a).filter((key) => (a as Item)[key] !== undefined);
    const keysB = Object.keys(b).filter((key) => (b as Item)[key] !== undefined);
    return keysA.length === keysB.length && keysA.every((key) => sameValue((a as Item)[key], (b as Item)[key]));
  }
  return false;
}

/** `<`, `<=`…: numbers with numbers, strings with strings (by code unit, as UTF-8 bytes order ASCII); else false. */
function ordered(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function holds(condition: Condition, item: Item | undefined, context: ExpressionContext): boolean {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, item, context) && holds(condition.right, item, context);
    case 'or':
      return holds(condition.left, item, context) || holds(condition.right, item, context);
    case 'not':
      return !holds(condition.inner, item, context);
    case 'between': {
      const value = operandValue(condition.value, item, context);
      const low = ordered(value, operandValue(condition.low, item, context));
      const high = ordered(value, operandValue(condition.high, item, context));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'in': {
      const value = operandValue(condition.value, item, context);
      return value !== undefined && condition.options.some((option) => sameValue(value, operandValue(option, item, context)));
    }
    case 'compare': {
      const left = operandValue(condition.left, item, context);
      const right = operandValue(condition.right, item, context);
      if (condition.op === '=') return left !== undefined && sameValue(left, right);
      if (condition.op === '<>') return left !== undefined && right !== undefined && !sameValue(left, right);
      const order = ordered(left, right);
      if (order === undefined) return false;
      return condition.op === '<' ? order < 0 : condition.op === '<=' ? order <= 0 : condition.op === '>' ? order > 0 : order >= 0;
    }
    case 'call': {
      const [first, second] = condition.args;
      if (first?.kind !== 'path' && (condition.name === 'attribute_exists' || condition.name === 'attribute_not_exists'))
        throw new ValidationException(`${condition.name} takes a path`);
      const value = operandValue(first!, item, context);
      if (condition.name === 'attribute_exists') return value !== undefined;
      if (condition.name === 'attribute_not_exists') return value === undefined;
      const operand = operandValue(second!, item, context);
      if (condition.name === 'begins_with') return typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand);
      // contains
      if (typeof value === 'string') return typeof operand === 'string' && value.includes(operand);
      if (value instanceof Set) return value.has(operand);
      if (Array.isArray(value)) return value.some((element) => sameValue(element, operand));
      return false;
    }
  }
}

/** Does `item` (undefined: no item) satisfy the condition? */
export function evaluateCondition(expression: string, item: Item | undefined, context: ExpressionContext): boolean {
  return holds(parseCondition(expression), item, context);
}

/** The top-level attribute names an update expression writes (for the IAM model). */
export function updatedAttributes(expression: string, context: ExpressionContext): string[] {
  return parseUpdate(expression).map((action) => String(resolvePath(action.path, context)[0]));
}

/** The item after the update (a new object; `item` is not changed). */
export function applyUpdate(expression: string, item: Item, context: ExpressionContext): Item {
  const result = structuredClone(item);
  for (const action of parseUpdate(expression)) {
    const path = resolvePath(action.path, context);
    // Every value is computed on the item as it was before the update, as DynamoDB does.
    const value = action.value === undefined ? undefined : operandValue(action.value, item, context);
    const parent = path.length === 1 ? result : valueAt(result, path.slice(0, -1));
    if (parent === undefined || parent === null || typeof parent !== 'object' || parent instanceof Set)
      throw new ValidationException('The document path provided in the update expression is invalid for update');
    const key = path[path.length - 1]!;
    const target = parent as Record<string | number, unknown>;
    switch (action.kind) {
      case 'SET':
        if (value === undefined) throw new ValidationException('An expression attribute value used in expression is not defined');
        target[key] = structuredClone(value);
        break;
      case 'REMOVE':
        delete target[key];
        break;
      case 'ADD': {
        const current = target[key];
        if (typeof value === 'number') {
          if (current !== undefined && typeof current !== 'number') throw new ValidationException('ADD to a non-number');
          target[key] = ((current as number | undefined) ?? 0) + value;
        } else if (value instanceof Set) {
          if (current !== undefined && !(current instanceof Set)) throw new ValidationException('ADD to a non-set');
          target[key] = new Set([...((current as Set<unknown> | undefined) ?? []), ...value]);
        } else throw new ValidationException('ADD takes a number or a set');
        break;
      }
      case 'DELETE': {
        const current = target[key];
        if (!(value instanceof Set)) throw new ValidationException('DELETE takes a set');
        if (current instanceof Set) {
          const remaining = new Set([...current].filter((element) => !value.has(element)));
          if (remaining.size === 0) delete target[key];
          else target[key] = remaining;
        }
        break;
      }
    }
  }
  return result;
}
