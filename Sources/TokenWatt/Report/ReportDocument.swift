import Foundation
import KernelPower

/// A report as a list of blocks, rendered to Markdown (charts left out) or to self-contained
/// HTML (charts inline as SVG), so the two always say the same thing.
public enum ReportBlock: Sendable {
    case heading(Int, String)
    case paragraph(String)
    case list([String])
    /// Header, rows, and which columns are numbers (right-aligned).
    case table([String], [[String]], numeric: Set<Int>)
    case chart(String)
}

public enum ReportDocument {
    public static func markdown(_ blocks: [ReportBlock]) -> String {
        var out: [String] = []
        for b in blocks {
            switch b {
            // Names (a scenario's, a class's, a lever's) reach every block: a line break in one
            // ended its heading, list item or table row, so each block is kept to one line.
            case let .heading(level, text): out.append(String(repeating: "#", count: level) + " " + oneLine(text))
            case let .paragraph(text): out.append(oneLine(text))
            case let .list(items): out.append(items.map { "- " + oneLine($0) }.joined(separator: "\n"))
            case let .table(header, rows, numeric):
                let cell = FleetRendering.cell
                var t = "| " + header.map(cell).joined(separator: " | ") + " |\n"
                t += "|" + header.indices.map { numeric.contains($0) ? "---:" : "---" }.joined(separator: "|") + "|\n"
                t += rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }.joined(separator: "\n")
                out.append(t)
            case .chart: continue
            }
        }
        return out.joined(separator: "\n\n") + "\n"
    }

    public static func html(_ blocks: [ReportBlock], title: String) -> String {
        var s = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #111; line-height: 1.45; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
        th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; vertical-align: top; }
        th { background: #eee; text-align: left; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        code { background: #f3f3f3; padding: 0 0.2em; }
        figure { margin: 1.2em 0; }
        svg { max-width: 100%; height: auto; }
        </style>
        </head>
        <body>

        """
        for b in blocks {
            switch b {
            case let .heading(level, text): s += "<h\(level)>\(inline(text))</h\(level)>\n"
            case let .paragraph(text): s += "<p>\(inline(text))</p>\n"
            case let .list(items): s += "<ul>\n" + items.map { "<li>\(inline($0))</li>\n" }.joined() + "</ul>\n"
            case let .table(header, rows, numeric):
                s += "<table>\n<thead><tr>" + header.map { "<th>\(inline($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
                for r in rows {
                    s += "<tr>" + r.enumerated().map { i, c in numeric.contains(i) ? "<td class=\"num\">\(inline(c))</td>" : "<td>\(inline(c))</td>" }.joined() + "</tr>\n"
                }
                s += "</tbody>\n</table>\n"
            case let .chart(svg): s += "<figure>\n\(svg)</figure>\n"
            }
        }
        return s + "</body>\n</html>\n"
    }

    static func escape(_ s: String) -> String { SVGChart.escape(s) }

    /// `s` with each line break (CR, LF or CRLF) as a space: Markdown ends a block's line there.
    static func oneLine(_ s: String) -> String {
        s.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    }

    /// `s` as a Markdown code span, whatever it holds: a name with a backtick in a single-backtick
    /// span ended the span early (a scenario named ``a `c` d`` broke its heading), so the fence is
    /// one backtick longer than the longest run inside, padded by a space (CommonMark strips it).
    static func code(_ s: String) -> String {
        guard s.contains("`") else { return "`\(s)`" }
        let longest = s.split(whereSeparator: { $0 != "`" }).map(\.count).max() ?? 0
        let fence = String(repeating: "`", count: longest + 1)
        return "\(fence) \(s) \(fence)"
    }

    /// Escapes text and turns code spans into <code>: a run of backticks opens a span that the
    /// next run of as many closes (`code`'s longer fences included); one that is never closed
    /// stays as it is.
    static func inline(_ s: String) -> String {
        let c = Array(escape(s))
        func run(at i: Int) -> Int { var n = 0; while i + n < c.count, c[i + n] == "`" { n += 1 }; return n }
        var out = "", i = 0
        while i < c.count {
            guard c[i] == "`" else { out.append(c[i]); i += 1; continue }
            let n = run(at: i)
            var j = i + n, close: Int?
            while j < c.count, close == nil {
                let m = c[j] == "`" ? run(at: j) : 0
                if m == n { close = j } else { j += max(1, m) }
            }
            guard let end = close else { out += String(repeating: "`", count: n); i += n; continue }
            var body = String(c[(i + n)..<end])
            if n > 1, body.count >= 2, body.hasPrefix(" "), body.hasSuffix(" ") { body = String(body.dropFirst().dropLast()) }
            out += "<code>\(body)</code>"
            i = end + n
        }
        return out
    }
}

/// Quantities in the unit that reads best.
enum ReportUnits {
    static func mass(_ grams: Double) -> String {
        let a = abs(grams)
        if a >= 1e6 { return "\(formatNumber(grams / 1e6, significant: 3)) t" }
        if a >= 1e3 { return "\(formatNumber(grams / 1e3, significant: 3)) kg" }
        return "\(formatNumber(grams, significant: 3)) g"
    }

    static func water(_ litres: Double) -> String {
        let a = abs(litres)
        if a >= 1e3 { return "\(formatNumber(litres / 1e3, significant: 3)) m³" }
        if a >= 1 { return "\(formatNumber(litres, significant: 3)) L" }
        return "\(formatNumber(litres * 1e3, significant: 3)) mL"
    }

    static func energy(_ wh: Double) -> String {
        let a = abs(wh)
        if a >= 1e9 { return "\(formatNumber(wh / 1e9, significant: 3)) GWh" }
        if a >= 1e6 { return "\(formatNumber(wh / 1e6, significant: 3)) MWh" }
        if a >= 1e3 { return "\(formatNumber(wh / 1e3, significant: 3)) kWh" }
        return "\(formatNumber(wh, significant: 3)) Wh"
    }

    static func money(_ x: Double, _ currency: String) -> String { "\(formatNumber(x, significant: 3)) \(currency)" }
}
