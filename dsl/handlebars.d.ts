// The browser build of Handlebars has no `fs` import, so it bundles into the workflow sandbox.
declare module 'handlebars/dist/cjs/handlebars' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
