package io.xgate.gateway.config;

/**
 * A parsed {@code proxy_pass http://TARGET[/uri]}.
 *
 * @param upstream the upstream's name when TARGET names an {@code upstream {}} block, else {@code null}
 * @param host the target host for a direct address (IP literal), else {@code null}
 * @param port the target port for a direct address
 * @param proxyHost nginx's {@code $proxy_host}: the target as written ({@code u}, {@code 10.0.0.1:8080})
 * @param uri the URI part, {@code null} when the URL has none (the request URI is passed unchanged)
 */
public record ProxyPass(String upstream, String host, int port, String proxyHost, String uri) {
}
