/**
 * Test fixtures: containers as the inventory would hand them to the balancer.
 *
 * @module
 */
import type { BalancerContainer } from "./model.ts";

/** A running container with `labels`, its primary IP `ip` on network `bridge`. */
export function container(
  name: string,
  ip: string,
  labels: Record<string, string>,
  extra: Partial<BalancerContainer> = {},
): BalancerContainer {
  const id = Array.from(name).map((c) => c.charCodeAt(0).toString(16)).join("").padEnd(64, "0")
    .slice(0, 64);
  return {
    hostId: "default",
    id,
    name,
    image: "busybox:latest",
    imageId: "sha256:0",
    labels,
    pid: 100,
    running: true,
    status: "running",
    exitCode: 0,
    health: "none",
    ports: [],
    networks: ip
      ? {
        bridge: {
          name: "bridge",
          networkId: "n1",
          ip,
          prefixLen: 24,
          ipv6: "",
          gateway: "",
          mac: "",
          aliases: [],
        },
      }
      : {},
    primaryIp: ip,
    sandboxKey: "",
    networkMode: "bridge",
    createdAt: "",
    startedAt: "",
    finishedAt: "",
    hostname: name,
    ...extra,
  };
}
