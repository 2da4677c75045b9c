/// A server's registered port: what an outgoing connection to it most likely reaches when the process at the other
/// end cannot be seen (another host, another network namespace).
public struct ServicePort: Sendable, Hashable {
    public var port: UInt16
    /// The server's name as people say it: `PostgreSQL`, `Redis`.
    public var service: String
    /// The knowledge base's entry for it, when there is one (`postgresql`, `redis`).
    public var programID: String?
}

/// Well-known ports of the servers a service typically holds connections to (databases, caches, queues), each with
/// its registration. check names the peers of the connections a service abandons at exit with them.
public enum ServicePorts {
    private static let iana = "https://www.iana.org/assignments/service-names-port-numbers/"
        + "service-names-port-numbers.xhtml?search="

    public static let entries: [Sourced<ServicePort>] = [
        Sourced(ServicePort(port: 5432, service: "PostgreSQL", programID: "postgresql"), doc(iana + "5432")),
        Sourced(ServicePort(port: 6379, service: "Redis", programID: "redis"), doc(iana + "6379")),
        Sourced(ServicePort(port: 3306, service: "MySQL", programID: nil), doc(iana + "3306")),
        Sourced(ServicePort(port: 27017, service: "MongoDB", programID: nil), doc(iana + "27017")),
        Sourced(ServicePort(port: 5672, service: "AMQP (RabbitMQ)", programID: nil), doc(iana + "5672")),
        Sourced(ServicePort(port: 11211, service: "memcached", programID: nil), doc(iana + "11211")),
        Sourced(ServicePort(port: 9092, service: "Kafka", programID: nil),
                doc("https://kafka.apache.org/documentation/#brokerconfigs_listeners")),
        Sourced(ServicePort(port: 4222, service: "NATS", programID: nil),
                doc("https://docs.nats.io/running-a-nats-service/configuration#connectivity")),
    ]

    /// The server registered on `port`, if it is one of these.
    public static func service(on port: UInt16) -> ServicePort? {
        entries.first { $0.value.port == port }?.value
    }
}
