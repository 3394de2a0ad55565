"""Text side of kineo-mini: word tokenizer (mirror of src/engine/tokenizer.ts) and the text encoder."""
