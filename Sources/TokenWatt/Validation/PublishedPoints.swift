import Foundation
import KernelPower

/// A bundled catalog of published measurements, `{"schemaVersion": 1, "description": …,
/// "points": [{…}, …]}`, read strictly: each point's keys are checked by `point` and nothing else
/// may appear. `gemm-throughput.json` and `serving-energy.json` share this shape.
enum PublishedPoints {
    static func bundled<P>(_ resource: String, _ point: (inout JSONObjectReader) throws -> P) throws -> [P] {
        guard let url = Bundle.module.url(forResource: resource, withExtension: "json") else {
            throw InputError.unreadable(file: "\(resource).json", reason: "bundled resource missing")
        }
        return try load(try Data(contentsOf: url), file: "\(resource).json", point)
    }

    static func load<P>(_ data: Data, file: String, _ point: (inout JSONObjectReader) throws -> P) throws -> [P] {
        var top = try JSONObjectReader(try JSONParser.parse(data, file: file), file: file, path: "")
        _ = try top.schemaVersion(highest: 1)
        _ = try top.optionalString("description")
        let points = try top.array("points").enumerated().map { i, v -> P in
            var o = try JSONObjectReader(v, file: file, path: "points[\(i)]")
            let p = try point(&o)
            try o.finish()
            return p
        }
        try top.finish()
        return points
    }
}
