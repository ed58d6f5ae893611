// git-url-parse ships no types; these are the fields Mooring reads.
declare module 'git-url-parse' {
  interface GitUrl {
    protocol: string;
    /** The host, lower-cased; empty for file URLs. */
    resource: string;
    port: string | number | null;
    pathname: string;
    owner: string;
    name: string;
    /** `owner/name`, the path without `.git` and trailing slashes. */
    full_name: string;
  }
  function gitUrlParse(url: string): GitUrl;
  export = gitUrlParse;
}
