// Node entry: offers the native backend to the selector.
