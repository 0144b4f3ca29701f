// The range of days and, when not the program's, the currency of the money figures.
export interface Span {
  start: string;
  end: string;
  currency?: string;
}
