/** Saving text as a file the user downloads, without a server round trip. */
export function downloadText(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has its own reference once started; free ours after the click is handled.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
