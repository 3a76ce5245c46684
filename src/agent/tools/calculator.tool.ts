import { tool } from 'langchain';
import { z } from 'zod';
import { evaluateExpression, formatNumber, MAX_EXPRESSION_LENGTH } from './expression-parser';
import { TOOL_NAMES } from './tool-names';

/**
 * The `calculator` tool: evaluates arithmetic with a safe parser (never `eval`). Bad syntax and
 * division by zero throw, which the agent turns into an error result the model can read.
 */
export function createCalculatorTool() {
  return tool(({ expression }) => formatNumber(evaluateExpression(expression)), {
    name: TOOL_NAMES.calculator,
    description:
      'Evaluates an arithmetic expression and returns the number. Supports + - * / % ^ ' +
      '(power), parentheses, unary minus and decimals. Use it for any calculation.',
    schema: z.object({
      expression: z
        .string()
        .min(1)
        .max(MAX_EXPRESSION_LENGTH)
        .describe('The expression to evaluate, e.g. "12 * (3 + 4)"'),
    }),
  });
}
