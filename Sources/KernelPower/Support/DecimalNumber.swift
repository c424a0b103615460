extension Double {
    /// A finite number written in decimal: digits with an optional sign, point and exponent
    /// (`300`, `-1.5`, `.5`, `70e9`). Swift's `Double(String)` also reads hexadecimal (`0x12C` is
    /// 300, `0x1p3` is 8), `inf` and `nan`, which no flag or table cell means, while the integer
    /// flags refused `0x10`: this is nil for those, as for anything else but a decimal number.
    /// JSON numbers need no such check (`JSONParser` reads JSON's own decimal grammar).
    public init?(decimal text: some StringProtocol) {
        // ASCII 0-9, '+', '-', '.', 'E', 'e'.
        guard text.utf8.allSatisfy({ (48...57).contains($0) || [43, 45, 46, 69, 101].contains($0) }),
              let x = Double(String(text)), x.isFinite else { return nil }
        self = x
    }
}
