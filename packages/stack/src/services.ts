import type { ServiceModule } from "@openstack-ts/kernel";
import { keyManagerModule } from "@openstack-ts/key-manager";
import { networkModule } from "@openstack-ts/network";
import { rcaModule } from "@openstack-ts/rca";

/**
 * Services the stack starts after identity, in this order. Each entry is the ServiceModule its
 * package exports; a service joins the stack with one line here (and its package in
 * package.json and tsconfig.json).
 */
export const STACK_SERVICES: ServiceModule[] = [
  keyManagerModule,
  networkModule as ServiceModule,
  rcaModule as ServiceModule,
];
