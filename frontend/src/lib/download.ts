// Save data the app already holds (a receipt, a QR code, an export) as a file.

/** How long the file's object URL outlives the click that starts its download. */
const KEEP_URL_MS = 60_000;

export function downloadBlob(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  // The browser starts the download after this task ends and reads the blob through its URL
  // then: revoking it at once can leave the click with nothing to save.
  window.setTimeout(() => URL.revokeObjectURL(url), KEEP_URL_MS);
}
