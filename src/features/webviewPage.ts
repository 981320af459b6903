// The HTML of HeapLens's webviews (the summary page, the Memory view): a strict content security policy (scripts
// only with this page's nonce, styles, images and fonts only from the extension's own files, nothing fetched), one
// stylesheet from media/, one script from dist/webview/, and a root element the script fills.
import * as crypto from 'crypto';
import * as vscode from 'vscode';

export interface WebviewPageParts {
  /** dist/webview/<script>.js and media/<style>.css */
  script: string;
  style: string;
  title: string;
  /** What the page says before its script has drawn. */
  loading: string;
}

/** The options every HeapLens webview gets: scripts on, no command links, only the extension's built pages and media. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, enableCommandUris: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')] };
}

export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, parts: WebviewPageParts): string {
  const nonce = crypto.randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${parts.script}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${parts.style}.css`));
  const csp = [`default-src 'none'`, `style-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`, `img-src ${webview.cspSource} data:`, `font-src ${webview.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${parts.title}</title>
</head>
<body>
<main id="root"><p class="status">${parts.loading}</p></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
