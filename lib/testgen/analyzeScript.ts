/**
 * Analysis of JavaScript and TypeScript with the TypeScript compiler API: syntax errors
 * and the signatures, types, JSDoc and return behaviour of top-level functions. Runs in
 * the caller's process: parsing executes nothing.
 */
import ts from 'typescript';
import type { CodeLanguage } from '../detect/inferLanguage';
import { parseLiteral } from './literals';
import { shapeFromType } from './inferShape';
import type { CodeAnalysis, DocExample, FunctionInfo, ParamInfo } from './types';

type FunctionNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

/** Parses JS/TS source and describes its top-level functions. */
export function analyzeScript(code: string, language: Exclude<CodeLanguage, 'python'>): CodeAnalysis {
  const fileName = language === 'typescript' ? 'snippet.ts' : 'snippet.js';
  const kind = language === 'typescript' ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true, kind);
  const syntaxError = firstSyntaxError(code, fileName, source);
  if (syntaxError) return { language, functions: [], syntaxError, hasTopLevelCode: false };

  const functions: FunctionInfo[] = [];
  let hasTopLevelCode = false;
  for (const statement of source.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
      functions.push(describe(statement.name.text, statement, statement, source));
      continue;
    }
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer;
        if (ts.isIdentifier(declaration.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
          functions.push(describe(declaration.name.text, init, statement, source));
        } else {
          hasTopLevelCode = true;
        }
      }
      continue;
    }
    if (
      ts.isImportDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isEnumDeclaration(statement)
    ) {
      continue;
    }
    hasTopLevelCode = true;
  }
  return { language, functions, hasTopLevelCode };
}

function firstSyntaxError(code: string, fileName: string, source: ts.SourceFile): CodeAnalysis['syntaxError'] {
  // transpileModule reports exactly the syntactic diagnostics, through public API.
  const { diagnostics = [] } = ts.transpileModule(code, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, allowJs: true },
  });
  const first = diagnostics.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (!first) return undefined;
  const message = ts.flattenDiagnosticMessageText(first.messageText, '\n');
  if (first.start === undefined) return { type: 'SyntaxError', message };
  const { line, character } = source.getLineAndCharacterOfPosition(first.start);
  return { type: 'SyntaxError', message, line: line + 1, column: character + 1 };
}

function describe(name: string, fn: FunctionNode, docHost: ts.Node, source: ts.SourceFile): FunctionInfo {
  const params: ParamInfo[] = fn.parameters.map((p) => {
    const typeText = p.type?.getText(source) ?? ts.getJSDocType(p)?.getText(source);
    const jsDocOptional = ts.getJSDocParameterTags(p).some((tag) => tag.isBracketed);
    return {
      name: ts.isIdentifier(p.name) ? p.name.text : p.name.getText(source),
      type: shapeFromType(typeText),
      optional: Boolean(p.questionToken || p.initializer || jsDocOptional),
      rest: Boolean(p.dotDotDotToken) || !ts.isIdentifier(p.name),
    };
  });
  const returnText = fn.type?.getText(source) ?? ts.getJSDocReturnType(fn)?.getText(source) ?? jsDocReturnTypeOf(docHost, source);
  const flow = returnFlow(fn);
  return {
    name,
    params,
    returns: shapeFromType(stripPromise(returnText)),
    ...flow,
    isAsync: Boolean(ts.getCombinedModifierFlags(fn) & ts.ModifierFlags.Async),
    isGenerator: Boolean(fn.asteriskToken),
    examples: jsDocExamples(docHost),
    line: source.getLineAndCharacterOfPosition(docHost.getStart(source)).line + 1,
  };
}

function jsDocReturnTypeOf(host: ts.Node, source: ts.SourceFile): string | undefined {
  for (const tag of ts.getJSDocTags(host)) {
    if (ts.isJSDocReturnTag(tag) && tag.typeExpression) return tag.typeExpression.type.getText(source);
  }
  return undefined;
}

function stripPromise(text: string | undefined): string | undefined {
  const match = text && /^Promise<(.*)>$/.exec(text.trim());
  return match ? match[1] : text;
}

// Calls whose value is undefined by design: an arrow such as `(x) => console.log(x)`
// has an expression body but returns nothing worth checking.
const VOID_CALL = /^(console\.\w+|.*\.(forEach|push|set|add|delete|clear|log))$/;

function returnFlow(fn: FunctionNode): Pick<FunctionInfo, 'returnsValue' | 'returnsNone' | 'fallsOffEnd'> {
  const body = fn.body;
  if (!body) return { returnsValue: false, returnsNone: false, fallsOffEnd: true };
  if (!ts.isBlock(body)) {
    const isVoidCall = ts.isCallExpression(body) && VOID_CALL.test(body.expression.getText());
    return { returnsValue: !isVoidCall && !isNothing(body), returnsNone: isNothing(body), fallsOffEnd: false };
  }
  let returnsValue = false;
  let returnsNone = false;
  const visit = (node: ts.Node): void => {
    // Returns of nested functions belong to them.
    if (ts.isFunctionLike(node)) return;
    if (ts.isReturnStatement(node)) {
      if (!node.expression || isNothing(node.expression)) returnsNone = true;
      else returnsValue = true;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return { returnsValue, returnsNone, fallsOffEnd: !alwaysExits(body.statements) };
}

function isNothing(expression: ts.Expression): boolean {
  return (
    expression.kind === ts.SyntaxKind.NullKeyword ||
    ts.isVoidExpression(expression) ||
    (ts.isIdentifier(expression) && expression.text === 'undefined')
  );
}

function alwaysExits(statements: ts.NodeArray<ts.Statement> | readonly ts.Statement[]): boolean {
  return statements.some((s) => exits(s));
}

function exits(s: ts.Statement): boolean {
  if (ts.isReturnStatement(s) || ts.isThrowStatement(s)) return true;
  if (ts.isBlock(s)) return alwaysExits(s.statements);
  if (ts.isIfStatement(s)) return Boolean(s.elseStatement) && exits(s.thenStatement) && exits(s.elseStatement as ts.Statement);
  if (ts.isTryStatement(s)) {
    if (s.finallyBlock && alwaysExits(s.finallyBlock.statements)) return true;
    return alwaysExits(s.tryBlock.statements) && (!s.catchClause || alwaysExits(s.catchClause.block.statements));
  }
  // `while (true)` without break: a loop that only ends by returning.
  if ((ts.isWhileStatement(s) || ts.isForStatement(s)) && loopsForever(s)) return true;
  return false;
}

function loopsForever(s: ts.WhileStatement | ts.ForStatement): boolean {
  const condition = ts.isWhileStatement(s) ? s.expression : s.condition;
  if (condition && condition.kind !== ts.SyntaxKind.TrueKeyword) return false;
  let breaks = false;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isIterationStatement(node, false) || ts.isSwitchStatement(node)) return;
    if (ts.isBreakStatement(node)) breaks = true;
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(s.statement, visit);
  return !breaks;
}

// `add(1, 2) // => 3`, `add(1, 2); // 3`, `add(1, 2) === 3`: the shapes @example lines take.
const EXAMPLE_COMMENT = /^(.+?);?\s*\/\/\s*(?:=>|->|→|returns?:?|result:?|output:?|={1,3})?\s*(.+?)\s*$/;
const EXAMPLE_EQUALS = /^(.+?)\s*={2,3}\s*(.+?);?\s*$/;

function jsDocExamples(host: ts.Node): DocExample[] {
  const examples: DocExample[] = [];
  for (const tag of ts.getJSDocTags(host)) {
    if (tag.tagName.text !== 'example') continue;
    const text = ts.getTextOfJSDocComment(tag.comment) ?? '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const match = EXAMPLE_COMMENT.exec(line) ?? EXAMPLE_EQUALS.exec(line);
      if (!match) continue;
      const call = match[1].trim().replace(/^console\.log\((.*)\)$/, '$1');
      const expected = match[2].trim();
      // Only a literal is an expected value we can trust; "// logs hello" is prose.
      if (parseLiteral(expected) === undefined || !/\w\s*\(/.test(call)) continue;
      examples.push({ setup: [], call, expected });
    }
  }
  return examples;
}
