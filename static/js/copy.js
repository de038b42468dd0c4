// "Copy" buttons beside read-only fields (the credential ID). Without JavaScript the field's text
// stays selectable and the button stays hidden; it appears only where the Clipboard API exists.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  if (!field) continue;
  field.addEventListener("focus", () => field.select());
  if (!navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      if (status) status.textContent = button.dataset.copied;
    } catch {
      field.focus();
      if (status) status.textContent = button.dataset.failed;
    }
  });
}
