/**
 * What an AWS region name looks like, for the construct (synth) and the CLI (`--regions`) alike:
 * every partition's shape (us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1),
 * with the direction word spelled out so a typo such as eu-wst-1 fails before any AWS call rather
 * than as a DNS error from a made-up endpoint. Names from the AWS General Reference, "Regions".
 */
export const REGION_NAME_PATTERN =
  /^[a-z]{2,4}(-[a-z]{2,})*-(east|west|north|south|central|northeast|northwest|southeast|southwest)-\d{1,2}$/;

export const isRegionName = (name: string): boolean => REGION_NAME_PATTERN.test(name);
