// Numbers as the report prints them: grouped thousands, a dash for what was not measured.
export const n0 = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
export const n1 = (x: number): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : '–');
export const n2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : '–');
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
