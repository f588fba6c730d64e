// The HTML shell of Alembic's webviews (the chat, Engine Status). Everything is built by the page's
// script; the shell only sets the Content Security Policy: nothing loads by default, the one script
// runs by a nonce that is new for every load (from the CSPRNG), styles and the codicon font come
// only from the extension's media folder, and there is no img-src at all, so text shown in the page
// (model output, engine messages) cannot load an image or anything else.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function webviewHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page: { script: string; style: string; title: string },
): string {
  const nonce = randomBytes(18).toString('base64');
  const asset = (name: string) =>
    webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dist', name)).toString();
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset(page.style)}">
<title>${page.title}</title>
</head>
<body>
<div id="app" class="app"></div>
<script nonce="${nonce}" src="${asset(page.script)}"></script>
</body>
</html>`;
}

/** Options every Alembic webview runs with: scripts (its own only, by the CSP), no forms, no
 * command links, and files from the media folder only. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableForms: false,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
  };
}
