// Types of bin/bundle.js for the TypeScript tests (bin/ is plain JavaScript run by Node).
export declare const ROOT: string;
export declare const DIST: string;
export declare const STAMP: string;
export declare function freshBundle(out?: { why?: string }, root?: string): string | undefined;
