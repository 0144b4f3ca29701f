// Form helpers: a form's fields as strings.

export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  new FormData(form).forEach((value, key) => {
    out[key] = typeof value === "string" ? value : "";
  });
  return out;
}
