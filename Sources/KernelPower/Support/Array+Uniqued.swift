extension Array where Element: Equatable {
    /// The elements in the order they first appear, each once. A linear scan per element: for the
    /// short lists (GPUs, levers, campaigns) it orders.
    public func uniqued() -> [Element] {
        reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }
}
