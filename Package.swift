// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "sigscope",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sigscope", targets: ["sigscope"]),
        .library(name: "SigTrace", targets: ["SigTrace"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", .upToNextMajor(from: "1.8.2")),
        .package(url: "https://github.com/jpsim/Yams", .upToNextMajor(from: "6.2.2")),
    ],
    targets: [
        // C shims for what Swift cannot call itself: variadic ptrace, wait macros, siginfo unions,
        // fork with a clean signal state, libelf.
        .target(
            name: "CProcfs",
            linkerSettings: [.linkedLibrary("elf")]
        ),
        .target(
            name: "SigTrace",
            dependencies: [
                "CProcfs",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "sigscope",
            dependencies: [
                "SigTrace",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SigTraceTests",
            dependencies: ["SigTrace", "sigscope"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
