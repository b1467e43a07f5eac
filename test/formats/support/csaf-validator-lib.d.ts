// Types for the parts of @secvisogram/csaf-validator-lib the tests use (the package ships JavaScript
// with JSDoc, no declarations), as its README describes them.

declare module '@secvisogram/csaf-validator-lib/*' {
  interface Message {
    message: string;
    instancePath: string;
  }
  interface TestResult {
    isValid?: boolean;
    errors?: Message[];
    warnings?: Message[];
    infos?: Message[];
  }
  type DocumentTest = ((doc: unknown) => TestResult | Promise<TestResult>) & { name: string };
  interface Result {
    isValid: boolean;
    tests: (TestResult & { name: string; isValid: boolean; errors: Message[] })[];
  }
  const tests: Record<string, DocumentTest>;
  export = tests;
}

declare module '@secvisogram/csaf-validator-lib/validateStrict.js' {
  const validateStrict: (
    tests: ((doc: unknown) => unknown)[],
    doc: unknown,
  ) => Promise<{
    isValid: boolean;
    tests: { name: string; isValid: boolean; errors: { message: string; instancePath: string }[] }[];
  }>;
  export default validateStrict;
}

declare module '@secvisogram/csaf-validator-lib/validate.js' {
  const validate: (
    tests: ((doc: unknown) => unknown)[],
    doc: unknown,
  ) => Promise<{
    isValid: boolean;
    tests: { name: string; isValid: boolean; errors: { message: string; instancePath: string }[] }[];
  }>;
  export default validate;
}

declare module '@secvisogram/csaf-validator-lib/cwe.js' {
  export const weaknesses: { id: string; name: string }[];
}
