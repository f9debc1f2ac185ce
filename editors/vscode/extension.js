// The agr extension for VS Code: the language (colouring, comments, brackets) and a thin client
// that starts `agr lsp`, which gives the diagnostics of `agr check`, hover, go to definition and
// completion. Set `agr.path` when agr is not on PATH.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("agr").get("path") || "agr";
  client = new LanguageClient(
    "agr",
    "agr language server",
    { command, args: ["lsp"], transport: TransportKind.stdio },
    { documentSelector: [{ scheme: "file", language: "agr" }, { scheme: "untitled", language: "agr" }] });
  context.subscriptions.push(client);
  return client.start().catch((error) =>
    vscode.window.showErrorMessage(`agr: cannot start '${command} lsp' (${error.message}); set agr.path to the agr program.`));
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
