// Ghost text next to IntelliSense. While the suggest widget is open, VS Code asks for an inline
// completion that *extends the selected item*: it shows ghost text only for a completion that
// replaces the item's range and starts with the item's text (what Copilot does). So the model is
// asked for what follows once the item is accepted — the document as it would then be, the
// cursor after the item — and the answer is the item's text followed by the model's suggestion,
// over the item's range.
import type { CompletionSuggestion } from './completionPipeline';
import { InsertedTextDocument, type CompletionDocument, type Position } from './documentWindow';

/** The suggest widget's selected item (VS Code's SelectedCompletionInfo). */
export interface SelectedItem {
  /** What the item replaces (usually the word before the cursor). */
  readonly range: { readonly start: Position; readonly end: Position };
  readonly text: string;
}

/** The document with the item accepted, and the cursor right after it. */
export function withSelectedItem(
  doc: CompletionDocument,
  item: SelectedItem,
): { doc: CompletionDocument; position: Position } {
  const edited = new InsertedTextDocument(doc, item.range.start, item.text, item.range.end);
  return { doc: edited, position: edited.end };
}

/** The suggestion made after the item, as the completion VS Code can show beside the widget. */
export function extendingItem(item: SelectedItem, suggestion: CompletionSuggestion): CompletionSuggestion {
  const insertText = item.text + suggestion.insertText;
  return {
    ...suggestion,
    insertText,
    range: { start: item.range.start, end: item.range.end },
    multiline: insertText.includes('\n'),
  };
}
