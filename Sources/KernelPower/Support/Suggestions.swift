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
            return (c, nearness(needle, lc, edit: editDistance(needle, lc)))
        }
        let threshold = max(2, needle.count / 2)
        var seen = Set<String>()
        // Among ids equally near, a numbered one of the same stem as the needle is ranked by how far
        // its number is ("nvlink6" is nearest "nvlink5", where alphabetical order gave "nvlink2").
        let gap: (String) -> Int = { c in numberGap(needle, c.lowercased()) }
        return scored.filter { $0.1 <= threshold }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : gap($0.0) != gap($1.0) ? gap($0.0) < gap($1.0) : $0.0 < $1.0 }
            .map(\.0)
            .filter { seen.insert($0.lowercased()).inserted }
            .prefix(limit).map { $0 }
    }

    /// Up to `limit` catalog entries nearest `id`, each offered once, by its first name (its
    /// canonical id). An entry is as near as its nearest name, but a name counts only where less
    /// than half of it would change (a 3-letter host name such as `yz8`, an alias that matches a
    /// data set's rows, is no hint for `zzz`); among entries equally near, one with a name that
    /// holds `id` whole comes first (`h100-80gb` → `h100-sxm`, whose alias `h100-80gb-hbm3` holds
    /// it, before `a100-sxm-80gb` through `a100-80gb`). Listing every name had offered
    /// `amd mi300x`, `mi300x` and `mi300x-192gb`: one GPU three times.
    public static func closest(to id: String, amongEntries entries: [[String]], limit: Int = 3) -> [String] {
        let needle = id.lowercased()
        let threshold = max(2, needle.count / 2)
        let ranked: [(entry: String, key: NameScore)] = entries.compactMap { names in
            guard let canonical = names.first else { return nil }
            let near = names.compactMap { NameScore(needle: needle, name: $0.lowercased()) }.filter { $0.distance <= threshold }
            return near.min().map { (canonical, $0) }
        }
        return ranked.sorted { $0.key != $1.key ? $0.key < $1.key : $0.entry < $1.entry }.prefix(limit).map(\.entry)
    }

    /// How near one name is to a needle, ordered nearest first: the distance (a name that holds
    /// the needle, or that the needle holds, counts as near), then a name that holds the needle
    /// before one that does not, then the plain edit distance (`llama-3.1` before `llama` for
    /// `llama-3.9`, which both are near), then the gap between numbers of the same stem
    /// (`h200` before `h100` for `h300`). Nil where more than half of the name would change.
    struct NameScore: Comparable {
        let distance: Int, holds: Bool, editDistance: Int, gap: Int

        init?(needle: String, name: String) {
            let raw = Suggestions.editDistance(needle, name)
            let d = Suggestions.nearness(needle, name, edit: raw)
            guard 2 * d < max(2, name.count) else { return nil }
            holds = needle.count >= 3 && name.contains(needle)
            distance = d
            editDistance = raw
            gap = Suggestions.numberGap(needle, name)
        }

        static func < (a: NameScore, b: NameScore) -> Bool {
            (a.distance, a.holds ? 0 : 1, a.editDistance, a.gap) < (b.distance, b.holds ? 0 : 1, b.editDistance, b.gap)
        }
    }

    /// The edit distance `edit` between two lowercased names, shortened where one holds the
    /// other and the shorter has at least 3 characters (a one-letter option such as `-o` is
    /// inside too many words to be a hint): to a quarter of the length difference, at least 1.
    static func nearness(_ needle: String, _ name: String, edit: Int) -> Int {
        guard min(name.count, needle.count) >= 3, name.contains(needle) || needle.contains(name) else { return edit }
        return min(edit, max(1, abs(name.count - needle.count) / 4))
    }

    /// How far apart the trailing numbers of two names of the same stem are (`h300` and `h200`:
    /// 100), `Int.max` for names without one or of different stems.
    static func numberGap(_ needle: String, _ name: String) -> Int {
        guard let n = numbered(needle), let m = numbered(name), n.stem == m.stem else { return Int.max }
        return n.number > m.number ? n.number - m.number : m.number - n.number
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
