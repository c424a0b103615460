/// Closest known ids to an unknown one, for "did you mean" hints.
public enum Suggestions {
    /// Up to `limit` candidates ordered by edit distance (ties by the nearest number of the same stem, then by name), keeping only plausible ones:
    /// a distance at most about half the id's length, or a candidate that contains the id (or is
    /// contained in it) where the shorter of the two has at least 3 characters: a one-letter
    /// option such as `-o` is inside too many words to be a hint for any of them.
    public static func closest(to id: String, among candidates: [String], limit: Int = 3) -> [String] {
        let needle = id.lowercased()
        guard !needle.isEmpty else { return Array(candidates.sorted().prefix(limit)) }
        let scored: [(String, Int)] = candidates.map { c in
            let lc = c.lowercased()
            var d = editDistance(needle, lc)
            if min(lc.count, needle.count) >= 3, lc.contains(needle) || needle.contains(lc) {
                d = min(d, max(1, abs(lc.count - needle.count) / 4))
            }
            return (c, d)
        }
        let threshold = max(2, needle.count / 2)
        var seen = Set<String>()
        // Among ids equally near, a numbered one of the same stem as the needle is ranked by how far
        // its number is ("nvlink6" is nearest "nvlink5", where alphabetical order gave "nvlink2").
        let gap: (String) -> Int = { c in
            guard let n = numbered(needle), let m = numbered(c.lowercased()), n.stem == m.stem else { return Int.max }
            return n.number > m.number ? n.number - m.number : m.number - n.number
        }
        return scored.filter { $0.1 <= threshold }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : gap($0.0) != gap($1.0) ? gap($0.0) < gap($1.0) : $0.0 < $1.0 }
            .map(\.0)
            .filter { seen.insert($0.lowercased()).inserted }
            .prefix(limit).map { $0 }
    }

    /// A name split into its stem and trailing decimal number (`nvlink4` → `nvlink`, 4), nil
    /// without one or with one too long to compare.
    static func numbered(_ s: String) -> (stem: Substring, number: Int)? {
        let digits = s.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, digits.count < s.count, let number = Int(String(digits.reversed())) else { return nil }
        return (s.dropLast(digits.count), number)
    }

    /// Levenshtein distance over Unicode scalars.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            cur[0] = i
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }
}
