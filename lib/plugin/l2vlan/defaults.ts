/**
 * Where the l2vlan plugin lives by default (apart from the server, so that the CLI can name them
 * without loading it).
 *
 * @module
 */

/** Default socket: dockerd finds a legacy plugin named `l2vlan` here. */
export const DEFAULT_L2VLAN_SOCKET = "/run/docker/plugins/l2vlan.sock";
/** Default state directory. */
export const DEFAULT_L2VLAN_STATE_DIR = "/var/lib/l2vlan";
