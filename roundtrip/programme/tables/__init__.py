"""Reading a municipality's action table (Word, Excel, OpenDocument, .csv, .txt) as lines."""
