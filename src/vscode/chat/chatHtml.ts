// The chat webview's HTML shell. Everything is built by media/dist/chat.js; the page itself only
// sets the Content Security Policy: nothing loads by default, the one script runs by a nonce that
// is new for every load (from the CSPRNG), styles and the codicon font come only from the
// extension's media folder, and there is no img-src at all, so model output cannot load an image.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';

export function chatHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
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
<link rel="stylesheet" href="${asset('chat.css')}">
<title>Alembic Chat</title>
</head>
<body>
<div id="app" class="app"></div>
<script nonce="${nonce}" src="${asset('chat.js')}"></script>
</body>
</html>`;
}
