/**
 * The default policy of Neutron 21 (Zed) for the resources this service implements, as Neutron
 * evaluates it with `enforce_new_defaults = False`: each rule is its new default OR-ed with the
 * deprecated legacy rule. Operators override any of them with `policy.file`, using Neutron's rule
 * names and syntax.
 */
export const DEFAULT_POLICY_RULES: Record<string, string> = {
  context_is_admin: "role:admin",
  owner: "tenant_id:%(tenant_id)s",
  admin_or_owner: "rule:context_is_admin or rule:owner",
  context_is_advsvc: "role:advsvc",
  admin_or_network_owner: "rule:context_is_admin or tenant_id:%(network:tenant_id)s",
  admin_owner_or_network_owner: "rule:owner or rule:admin_or_network_owner",
  network_owner: "tenant_id:%(network:tenant_id)s",
  admin_only: "rule:context_is_admin",
  regular_user: "",
  shared: "field:networks:shared=True",
  default: "rule:admin_or_owner",
  sg_owner: "tenant_id:%(security_group:tenant_id)s",
  external: "field:networks:router:external=True",
  create_network:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:regular_user)",
  "create_network:shared": "rule:admin_only",
  "create_network:router:external": "rule:admin_only",
  "create_network:is_default": "rule:admin_only",
  "create_network:port_security_enabled":
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:regular_user)",
  get_network:
    "(rule:admin_only or role:reader and project_id:%(project_id)s or rule:shared or rule:external or rule:context_is_advsvc) or (rule:admin_or_owner or rule:shared or rule:external or rule:context_is_advsvc)",
  "get_network:router:external":
    "(rule:admin_only or role:reader and project_id:%(project_id)s) or (rule:regular_user)",
  update_network:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  "update_network:shared": "rule:admin_only",
  "update_network:router:external": "rule:admin_only",
  "update_network:is_default": "rule:admin_only",
  "update_network:port_security_enabled":
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  delete_network:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  network_device: "field:port:device_owner=~^network:",
  create_port:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:regular_user)",
  "create_port:device_owner":
    "(not rule:network_device or rule:admin_only or rule:context_is_advsvc or rule:network_owner) or (not rule:network_device or rule:context_is_advsvc or rule:admin_or_network_owner)",
  "create_port:mac_address":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only) or (rule:context_is_advsvc or rule:admin_or_network_owner)",
  "create_port:fixed_ips":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only or rule:shared) or (rule:context_is_advsvc or rule:admin_or_network_owner or rule:shared)",
  "create_port:fixed_ips:ip_address":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only) or (rule:context_is_advsvc or rule:admin_or_network_owner)",
  "create_port:fixed_ips:subnet_id":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only or rule:shared) or (rule:context_is_advsvc or rule:admin_or_network_owner or rule:shared)",
  "create_port:port_security_enabled":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only) or (rule:context_is_advsvc or rule:admin_or_network_owner)",
  "create_port:binding:host_id": "rule:admin_only",
  "create_port:binding:profile": "rule:admin_only",
  "create_port:binding:vnic_type":
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:regular_user)",
  "create_port:allowed_address_pairs":
    "(rule:admin_only or rule:network_owner) or (rule:admin_or_network_owner)",
  "create_port:allowed_address_pairs:mac_address":
    "(rule:admin_only or rule:network_owner) or (rule:admin_or_network_owner)",
  "create_port:allowed_address_pairs:ip_address":
    "(rule:admin_only or rule:network_owner) or (rule:admin_or_network_owner)",
  get_port:
    "(rule:admin_only or rule:context_is_advsvc or role:reader and project_id:%(project_id)s) or (rule:context_is_advsvc or rule:admin_owner_or_network_owner)",
  "get_port:binding:vif_type": "rule:admin_only",
  "get_port:binding:vif_details": "rule:admin_only",
  "get_port:binding:host_id": "rule:admin_only",
  "get_port:binding:profile": "rule:admin_only",
  update_port:
    "(rule:admin_only or role:member and project_id:%(project_id)s or rule:context_is_advsvc) or (rule:admin_or_owner or rule:context_is_advsvc)",
  "update_port:device_owner":
    "(not rule:network_device or rule:context_is_advsvc or rule:network_owner or rule:admin_only) or (not rule:network_device or rule:context_is_advsvc or rule:admin_or_network_owner)",
  "update_port:mac_address": "rule:admin_only or rule:context_is_advsvc",
  "update_port:fixed_ips":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only) or (rule:context_is_advsvc or rule:admin_or_network_owner)",
  "update_port:fixed_ips:ip_address":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only) or (rule:context_is_advsvc or rule:admin_or_network_owner)",
  "update_port:fixed_ips:subnet_id":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only or rule:shared) or (rule:context_is_advsvc or rule:admin_or_network_owner or rule:shared)",
  "update_port:port_security_enabled":
    "(rule:context_is_advsvc or rule:network_owner or rule:admin_only) or (rule:context_is_advsvc or rule:admin_or_network_owner)",
  "update_port:binding:host_id": "rule:admin_only",
  "update_port:binding:profile": "rule:admin_only",
  "update_port:binding:vnic_type":
    "(rule:admin_only or role:member and project_id:%(project_id)s or rule:context_is_advsvc) or (rule:admin_or_owner or rule:context_is_advsvc)",
  "update_port:allowed_address_pairs":
    "(rule:admin_only or rule:network_owner) or (rule:admin_or_network_owner)",
  "update_port:allowed_address_pairs:mac_address":
    "(rule:admin_only or rule:network_owner) or (rule:admin_or_network_owner)",
  "update_port:allowed_address_pairs:ip_address":
    "(rule:admin_only or rule:network_owner) or (rule:admin_or_network_owner)",
  delete_port:
    "(rule:admin_only or rule:context_is_advsvc or role:member and project_id:%(project_id)s) or (rule:context_is_advsvc or rule:admin_owner_or_network_owner)",
  get_quota: "rule:admin_only",
  update_quota: "rule:admin_only",
  delete_quota: "rule:admin_only",
  admin_or_sg_owner: "rule:context_is_admin or tenant_id:%(security_group:tenant_id)s",
  admin_owner_or_sg_owner: "rule:owner or rule:admin_or_sg_owner",
  create_security_group: "(role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  get_security_group: "(role:reader and project_id:%(project_id)s) or (rule:regular_user)",
  update_security_group: "(role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  delete_security_group: "(role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  create_security_group_rule:
    "(role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  get_security_group_rule:
    "(role:reader and project_id:%(project_id)s or rule:sg_owner) or (rule:admin_owner_or_sg_owner)",
  delete_security_group_rule:
    "(role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  create_subnet:
    "(rule:admin_only or role:member and project_id:%(project_id)s or rule:network_owner) or (rule:admin_or_network_owner)",
  get_subnet:
    "(rule:admin_only or role:reader and project_id:%(project_id)s or rule:shared) or (rule:admin_or_owner or rule:shared)",
  update_subnet:
    "(rule:admin_only or role:member and project_id:%(project_id)s or rule:network_owner) or (rule:admin_or_network_owner)",
  delete_subnet:
    "(rule:admin_only or role:member and project_id:%(project_id)s or rule:network_owner) or (rule:admin_or_network_owner)",
  shared_subnetpools: "field:subnetpools:shared=True",
  create_subnetpool:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:regular_user)",
  "create_subnetpool:shared": "rule:admin_only",
  "create_subnetpool:is_default": "rule:admin_only",
  get_subnetpool:
    "(rule:admin_only or role:reader and project_id:%(project_id)s or rule:shared_subnetpools) or (rule:admin_or_owner or rule:shared_subnetpools)",
  update_subnetpool:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  "update_subnetpool:is_default": "rule:admin_only",
  delete_subnetpool:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  create_router:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:regular_user)",
  "create_router:external_gateway_info":
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  "create_router:external_gateway_info:network_id":
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  "create_router:external_gateway_info:enable_snat": "rule:admin_only",
  "create_router:external_gateway_info:external_fixed_ips": "rule:admin_only",
  get_router:
    "(rule:admin_only or role:reader and project_id:%(project_id)s) or (rule:admin_or_owner)",
  update_router:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  "update_router:external_gateway_info":
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  "update_router:external_gateway_info:network_id":
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  "update_router:external_gateway_info:enable_snat": "rule:admin_only",
  "update_router:external_gateway_info:external_fixed_ips": "rule:admin_only",
  delete_router:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  add_router_interface:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  remove_router_interface:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  create_floatingip:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:regular_user)",
  "create_floatingip:floating_ip_address": "rule:admin_only",
  get_floatingip:
    "(rule:admin_only or role:reader and project_id:%(project_id)s) or (rule:admin_or_owner)",
  update_floatingip:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
  delete_floatingip:
    "(rule:admin_only or role:member and project_id:%(project_id)s) or (rule:admin_or_owner)",
};
