/** An EC2-style access/secret pair of a user for one project. */
export interface Ec2Credential {
  access: string;
  secret: string;
  userId: string;
  projectId: string;
}
