return append()
