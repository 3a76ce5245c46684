import { evaluateExpression, ExpressionError, formatNumber } from './expression-parser';

describe('evaluateExpression', () => {
  it.each([
    ['12 * (3 + 4)', 84],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['7 % 4', 3],
    ['2 ^ 10', 1024],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['-(3 + 4)', -7],
    ['--5', 5],
    ['+5 - -5', 10],
    ['3.5 * 2', 7],
    ['.5 + 1.', 1.5],
    ['  ((((42))))  ', 42],
  ])('evaluates %s', (expression, expected) => {
    expect(evaluateExpression(expression)).toBeCloseTo(expected, 10);
  });

  it.each([
    ['1 / 0', 'Division by zero'],
    ['5 % (2 - 2)', 'Division by zero'],
    ['', 'The expression is empty'],
    ['   ', 'The expression is empty'],
    ['2 +', 'The expression ends too early'],
    ['2 3', 'Unexpected "3" at position 3'],
    ['(2 + 3', 'Missing closing parenthesis'],
    ['(2 + 3 4', 'Unexpected "4" at position 8'],
    ['2 + 3)', 'Unexpected ")" at position 6'],
    ['2 ** 3', 'Unexpected "*" at position 4'],
    ['()', 'Unexpected ")" at position 2'],
    ['process.exit(1)', 'Unexpected character "p" at position 1'],
    ['2; 3', 'Unexpected character ";" at position 2'],
    ['1.5e3', 'Unexpected character "e" at position 4'],
    ['10 ^ 400', 'The result is not a finite number'],
    ['(-8) ^ 0.5', 'The result is not a finite number'],
  ])('rejects %j with "%s"', (expression, message) => {
    expect(() => evaluateExpression(expression)).toThrow(new ExpressionError(message));
  });

  it('tells errors of arithmetic from errors of syntax', () => {
    expect(() => evaluateExpression('1 / 0')).toThrow(expect.objectContaining({ kind: 'math' }));
    expect(() => evaluateExpression('1 +')).toThrow(expect.objectContaining({ kind: 'syntax' }));
  });

  it('refuses expressions longer than 500 characters', () => {
    expect(() => evaluateExpression('1+'.repeat(250) + '1')).toThrow(/longer than 500/);
  });

  it('refuses nesting deeper than the stack guard instead of overflowing', () => {
    const deep = '('.repeat(100) + '1' + ')'.repeat(100);
    expect(() => evaluateExpression(deep)).toThrow('The expression is nested too deeply');
    expect(() => evaluateExpression('-'.repeat(200) + '1')).toThrow('nested too deeply');
  });

  it('never evaluates code, even with a global that an eval would reach', () => {
    const evalSpy = jest.spyOn(globalThis, 'eval');
    expect(() => evaluateExpression('constructor')).toThrow(ExpressionError);
    expect(evalSpy).not.toHaveBeenCalled();
  });
});

describe('formatNumber', () => {
  it.each([
    [0.1 + 0.2, '0.3'],
    [84, '84'],
    [-0, '0'],
    [1 / 3, '0.333333333333'],
    [1e21, '1e+21'],
  ])('formats %p as %s', (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});
