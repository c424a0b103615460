import Foundation

/// Where KernelPower's bundled JSON files (catalogs, coefficients, published tables) lie, for a
/// library that fingerprints what it carries (`ToolVersion`): asked of the bundle itself, not
/// found by rewriting another bundle's name.
public enum KernelPowerResources {
    public static var bundleURL: URL { Bundle.module.bundleURL }
}
